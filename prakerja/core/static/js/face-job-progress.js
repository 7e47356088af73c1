// The checking page of a selfie or a session face check: polls the job's status every second
// and reloads the page once an `identity` worker has written the result (the page then shows
// it, or goes back to the training institution). Without script, the page refreshes itself.
(function () {
  "use strict";
  var node = document.querySelector("[data-face-job-status]");
  if (!node) return;
  var url = node.dataset.faceJobStatus;
  function later(ms) { setTimeout(poll, ms); }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (data.state === "done") window.location.reload();
        else later(1000);
      })
      .catch(function () { later(3000); });
  }
  later(1000);
})();
