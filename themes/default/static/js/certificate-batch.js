// Polls the certificate batch of a closed session while it runs (the section carries data-poll),
// replacing the section with the server's fresh copy; stops once the batch is done.
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
          var fresh = holder.querySelector("#certificate-batch");
          if (!fresh) { return; }
          section.replaceWith(fresh);
          poll(fresh);
        })
        .catch(function () { poll(section); });
    }, 2000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("certificate-batch");
    if (section) { poll(section); }
  });
})();
