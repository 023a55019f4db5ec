/* Attendance roster: filter by name as one types, and mark without reloading the page. */
(function () {
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").toLowerCase(); }
  var input = document.getElementById("att-q"), list = document.getElementById("att-roster");
  if (input && list) {
    input.addEventListener("input", function () {
      var q = fold(input.value.trim());
      list.querySelectorAll(".att-row").forEach(function (row) {
        row.hidden = q !== "" && fold(row.dataset.name).indexOf(q) === -1;
      });
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-mark") || !window.fetch) return;
    event.preventDefault();
    var data = new FormData(form, event.submitter);
    form.setAttribute("aria-busy", "true");
    fetch(form.action, { method: "POST", body: data, headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        tpl.content.querySelectorAll("[id]").forEach(function (node) {
          var old = document.getElementById(node.id);
          if (old) { var hidden = old.hidden; old.replaceWith(node); node.hidden = hidden; }
        });
      })
      .catch(function () {
        var keep = document.createElement("input");
        keep.type = "hidden"; keep.name = "status"; keep.value = event.submitter ? event.submitter.value : "";
        form.appendChild(keep);
        form.removeAttribute("data-mark");
        form.submit();
      });
  });
})();
