// The camera burst of the identity selfie and of the face check at every training session:
// the front camera through getUserMedia, then a burst of JPEG frames, sent with the form, taken
// while the page shows the server's challenge one step at a time (data-steps: "left", "right",
// "blink", in the order the server chose): one frame before the first step, data-per-step
// frames a step (data-gap ms apart), data-after frames after the last. The server checks that
// the frames follow the steps. Without a camera (refused, or none), the file-upload fallback
// is shown instead.
(function () {
  "use strict";
  var root = document.querySelector("[data-camera]");
  if (!root) return;
  var form = root.closest("form");
  var video = root.querySelector("video");
  var button = root.querySelector("[data-shoot]");
  var status = root.querySelector("[data-camera-status]");
  var now = root.querySelector("[data-challenge-now]");
  var list = root.querySelector("[data-challenge]");
  var input = form.querySelector('input[name="frames"]');
  var fallback = document.querySelector("[data-fallback]");
  var steps = (root.dataset.steps || "").split(" ").filter(Boolean);
  var perStep = parseInt(root.dataset.perStep || "5", 10);
  var after = parseInt(root.dataset.after || "2", 10);
  var gap = parseInt(root.dataset.gap || "240", 10);
  var texts = { left: root.dataset.stepLeft, right: root.dataset.stepRight, blink: root.dataset.stepBlink };

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
  function show(text, step) {
    now.hidden = false;
    now.textContent = text;
    now.dataset.step = step || "";
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
    status.textContent = "";  // the step to do now is shown large instead
    var canvas = document.createElement("canvas");
    var scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    var context = canvas.getContext("2d");
    var files = new DataTransfer();
    var taken = 0;
    async function take() {
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var blob = await jpeg(canvas);
      files.items.add(new File([blob], "frame-" + taken + ".jpg", { type: "image/jpeg" }));
      taken += 1;
    }
    await take();  // facing the camera, before the first step
    for (var s = 0; s < steps.length; s++) {
      show(texts[steps[s]], steps[s]);
      if (list) {
        list.querySelectorAll("li").forEach(function (item, index) {
          item.classList.toggle("current", index === s);
        });
      }
      for (var i = 0; i < perStep; i++) {
        await wait(gap);
        await take();
      }
    }
    show(root.dataset.straightText, "straight");
    for (var j = 0; j < after; j++) {
      await wait(gap);
      await take();
    }
    input.files = files.files;
    status.textContent = root.dataset.sendingText;
    form.submit();
  });
})();
