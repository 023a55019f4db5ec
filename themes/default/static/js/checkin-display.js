/* Projector page: fetch the current QR code every data-refresh-ms milliseconds. */
(function () {
  var box = document.querySelector("[data-qr-url]");
  if (!box) return;
  var url = box.dataset.qrUrl, every = parseInt(box.dataset.refreshMs, 10) || 10000;
  setInterval(function () {
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) throw r; return r.text(); })
      .then(function (html) {
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        var fresh = tpl.content.getElementById("att-qr"), old = document.getElementById("att-qr");
        if (fresh && old) old.replaceWith(fresh);
      })
      .catch(function () {});
  }, every);
})();
