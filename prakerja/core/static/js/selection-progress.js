// Polls a running selection's progress on the wave page and reloads when it is announced.
(function () {
  const node = document.querySelector("[data-progress-url]");
  if (!node) return;
  const url = node.dataset.progressUrl;
  async function poll() {
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      node.textContent = `${data.stage || data.status}: ${data.cards ?? "-"} / ${data.selected ?? "-"}`;
      if (data.status === "announced") { window.location.reload(); return; }
      if (data.status === "selecting" || data.status === "closed") setTimeout(poll, 2000);
    } catch (error) {
      setTimeout(poll, 5000);
    }
  }
  poll();
})();
