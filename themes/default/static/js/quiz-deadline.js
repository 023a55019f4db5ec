/* Countdown to the server's deadline; at zero the attempt is submitted (the server enforces it anyway). */
(function () {
  var el = document.getElementById("time-left");
  if (!el) return;
  var end = parseInt(el.dataset.deadline, 10) * 1000;
  var skew = Date.now() - parseInt(el.dataset.now, 10) * 1000;
  function tick() {
    var left = Math.max(0, Math.round((end - (Date.now() - skew)) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    el.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0) {
      // Time is up: submit as it stands, without asking about unanswered questions.
      var button = document.getElementById("submit-attempt");
      var confirmed = document.createElement("input");
      confirmed.type = "hidden"; confirmed.name = "confirm"; confirmed.value = "1";
      button.form.appendChild(confirmed);
      button.click();
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
