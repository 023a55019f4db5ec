-- Many learners reading many lessons (the "lessons" scenario of tests/bench/run.py).
--
-- Usage: wrk ... -s tests/bench/readers.lua <url> -- var/bench/readers.txt
-- Each line of the file is one learner: a session key, then the lesson paths that learner goes
-- through (tests/bench/fixtures.py writes it). Every request is the next learner's next lesson,
-- with that learner's session cookie; each wrk thread starts at its own place in the list. Any
-- answer other than 200 (a redirect to the login page, a refusal) is counted and reported.

local threads = {}
local learners = {}
local turn = 0
not200 = 0
id = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "r"), "readers file missing")
  for line in file:lines() do
    local words = {}
    for word in line:gmatch("%S+") do
      table.insert(words, word)
    end
    if #words > 1 then
      local urls = {}
      for i = 2, #words do
        table.insert(urls, words[i])
      end
      table.insert(learners, {cookie = "sessionid=" .. words[1], urls = urls, at = 0})
    end
  end
  file:close()
  assert(#learners > 0, "no learners in the readers file")
  turn = (id * 7919) % #learners
end

function request()
  turn = turn % #learners + 1
  local learner = learners[turn]
  learner.at = learner.at % #learner.urls + 1
  return wrk.format("GET", learner.urls[learner.at], {Cookie = learner.cookie})
end

function response(status, headers, body)
  if status ~= 200 then
    not200 = not200 + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not200")
  end
  io.write(string.format("BENCH not200=%d\n", bad))
end
