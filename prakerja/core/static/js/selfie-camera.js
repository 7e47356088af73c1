// The camera burst of the identity selfie and of the face check at every training session:
// the front camera through getUserMedia, then about ten frames in a second and a half while
// the person blinks, sent as JPEG files with the form. Without a camera (refused, or none),
// the file-upload fallback is shown instead.
(function () {
  "use strict";
  var root = document.querySelector("[data-camera]");
  if (!root) return;
  var form = root.closest("form");
  var video = root.querySelector("video");
  var button = root.querySelector("[data-shoot]");
  var status = root.querySelector("[data-camera-status]");
  var input = form.querySelector('input[name="frames"]');
  var fallback = document.querySelector("[data-fallback]");
  var count = parseInt(root.dataset.frames || "10", 10);
  var gap = parseInt(root.dataset.gap || "150", 10);

  function noCamera() {
    root.hidden = true;
    if (fallback) fallback.hidden = false;
  }
  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }
  function jpeg(canvas) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.88); });
  }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.DataTransfer) {
    noCamera();
    return;
  }
  navigator.mediaDevices
    .getUserMedia({ video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false })
    .then(function (stream) {
      video.srcObject = stream;
      return video.play();
    })
    .then(function () {
      button.disabled = false;
      status.textContent = root.dataset.readyText;
    })
    .catch(noCamera);

  button.addEventListener("click", async function () {
    button.disabled = true;
    status.textContent = root.dataset.blinkText;
    var canvas = document.createElement("canvas");
    var scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    var context = canvas.getContext("2d");
    var files = new DataTransfer();
    for (var i = 0; i < count; i++) {
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var blob = await jpeg(canvas);
      files.items.add(new File([blob], "frame-" + i + ".jpg", { type: "image/jpeg" }));
      await wait(gap);
    }
    input.files = files.files;
    status.textContent = root.dataset.sendingText;
    form.submit();
  });
})();
