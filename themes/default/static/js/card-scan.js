/* Card scanning: read the QR of an official's card with the phone's camera where it can. */
(function () {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var button = document.getElementById("att-camera"), video = document.getElementById("att-video");
  var form = document.getElementById("att-scan-form"), input = form.querySelector("input[name=code]");
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            input.value = codes[0].rawValue; form.submit();
          } else { requestAnimationFrame(tick); }
        }).catch(function () { requestAnimationFrame(tick); });
      };
      tick();
    });
  });
})();
