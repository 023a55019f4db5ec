// Polls each section carrying data-poll (a background job's progress: a certificate batch, an
// export) while the job runs, replacing the section with the server's fresh copy of the same id;
// stops once the fresh copy has no data-poll. Without JavaScript the page has a refresh link.
(function () {
  "use strict";
  function poll(section) {
    var url = section.getAttribute("data-poll");
    if (!url || !section.id) { return; }
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#" + section.id);
          if (!fresh) { return; }
          section.replaceWith(fresh);
          poll(fresh);
        })
        .catch(function () { poll(section); });
    }, 2000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("section[data-poll]").forEach(poll);
  });
})();
