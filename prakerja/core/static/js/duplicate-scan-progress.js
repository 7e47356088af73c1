// Polls a running duplicate pass's progress on its page and reloads when it ends.
(function () {
  const node = document.querySelector("[data-progress-url]");
  if (!node || node.dataset.status !== "running") return;
  const url = node.dataset.progressUrl;
  async function poll() {
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      node.textContent = `${data.stage || data.status}: ${data.done ?? 0} / ${data.total ?? 0}`;
      if (data.status !== "running") { window.location.reload(); return; }
      setTimeout(poll, 2000);
    } catch (error) {
      setTimeout(poll, 5000);
    }
  }
  poll();
})();
