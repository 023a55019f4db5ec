/* Agency pickers of the session form: a plain text input of agency codes becomes a combobox
   whose suggestions come from data-search-url (JSON). Single: the choice replaces the value;
   multiple: it is added to the codes typed so far. Without this script the input still works. */
(function () {
  "use strict";
  var counter = 0;
  function enhance(input) {
    var multiple = input.dataset.agencyPicker === "multiple";
    var url = input.dataset.searchUrl;
    var id = "agency-list-" + (++counter);
    var list = document.createElement("ul");
    list.id = id;
    list.className = "agency-options";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    var active = -1, timer = null, options = [];

    function term() {
      var value = input.value;
      if (!multiple) return value.trim();
      var parts = value.split(/[,;\s]+/);
      return parts[parts.length - 1];
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function choose(option) {
      var ref = option.dataset.ref;
      if (multiple) {
        var parts = input.value.split(/[,;\s]+/).filter(Boolean);
        parts.pop();
        if (parts.indexOf(ref) === -1) parts.push(ref);
        input.value = parts.join(" ") + " ";
      } else {
        input.value = ref;
      }
      status.textContent = option.textContent;
      close();
      input.focus();
    }
    function highlight(index) {
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
    }
    function show(results) {
      list.textContent = "";
      options = results.map(function (r, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.ref = r.ref;
        li.textContent = r.name + " (" + r.ref + ")";
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
        list.appendChild(li);
        return li;
      });
      list.hidden = options.length === 0;
      input.setAttribute("aria-expanded", options.length ? "true" : "false");
      status.textContent = options.length ? options.length + " ↓" : "";
      active = -1;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = term();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { if (term() === q) show(data.results || []); })
          .catch(function () {});
      }, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, options.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(options[active]); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.querySelectorAll("input[data-agency-picker]").forEach(enhance);
})();
