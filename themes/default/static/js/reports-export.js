// Polls a background export while it runs (the section carries data-poll),
// replacing the section with the server's fresh copy; stops once the export is done.
(function () {
  "use strict";
  function poll(section) {
    var url = section.getAttribute("data-poll");
    if (!url) { return; }
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#export-job");
          if (!fresh) { return; }
          section.replaceWith(fresh);
          poll(fresh);
        })
        .catch(function () { poll(section); });
    }, 2000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("export-job");
    if (section) { poll(section); }
  });
})();
