// Live progress of an import job: poll its JSON and move the bar; reload the page when the job finishes.
// Without JavaScript the page refreshes itself every 3 seconds while the job runs.
(function () {
  const box = document.getElementById("job");
  if (!box || box.dataset.running !== "true") return;
  const bar = document.getElementById("progress-bar");
  const text = document.getElementById("progress-text");
  const state = document.getElementById("job-state");
  const refresh = document.querySelector('meta[http-equiv="refresh"]');
  if (refresh) refresh.remove();  // polling takes over from the meta refresh
  async function poll() {
    const response = await fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) return setTimeout(poll, 2000);
    const data = await response.json();
    if (!data.running) return window.location.reload();
    const percent = data.total ? Math.round((100 * data.done) / data.total) : 0;
    bar.value = percent;
    bar.textContent = `${percent}%`;
    state.textContent = data.label;
    text.textContent = `${data.phase === "check" ? "校验" : "写入"} ${data.done || 0} / ${data.total || 0} 条`;
    setTimeout(poll, 500);
  }
  poll();
})();
