/* Before "Submit the attempt": count the questions left unanswered and ask to confirm. Without
   this script the server asks instead (a confirm page); with it, a confirmed submit says so. */
(function () {
  var form = document.getElementById("sitting-form");
  if (!form) return;

  function answered(fieldset) {
    if (fieldset.querySelector("input[type=radio]:checked, input[type=checkbox]:checked")) return true;
    var fields = fieldset.querySelectorAll("input[type=text], textarea");
    for (var i = 0; i < fields.length; i++) { if (fields[i].value.trim() !== "") return true; }
    return false;
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.id !== "submit-attempt") return;
    if (form.querySelector("input[name=confirm]")) return;
    var open = form.querySelectorAll("fieldset.quiz-question input[name=present]");
    var left = 0;
    for (var i = 0; i < open.length; i++) { if (!answered(open[i].closest("fieldset"))) left++; }
    if (left > 0) {
      var text = (left === 1 ? form.dataset.confirmOne : form.dataset.confirmMany).replace("{n}", String(left));
      if (!window.confirm(text)) { event.preventDefault(); return; }
    }
    var confirmed = document.createElement("input");
    confirmed.type = "hidden"; confirmed.name = "confirm"; confirmed.value = "1";
    form.appendChild(confirmed);
  });
})();
