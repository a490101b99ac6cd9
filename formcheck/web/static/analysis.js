// Analysis page: while the clip waits or is analysed, poll its status; reload when it is finished.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("job");
  if (!box || !["queued", "running"].includes(box.dataset.status)) return;
  const stage = document.getElementById("stage");
  const bar = document.getElementById("progress");
  const percent = document.getElementById("percent");
  const POLL_MS = 1000;

  const show = (a) => {
    if (a.status === "queued") {
      const ahead = a.queue_position || 0;
      stage.textContent = ahead ? `Waiting in line — ${ahead} clip${ahead > 1 ? "s" : ""} ahead` : "Waiting in line — next";
    } else {
      stage.textContent = a.stage_label || "Analysing";
    }
    bar.value = a.progress;
    percent.textContent = Math.round(100 * a.progress);
  };

  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.status === 404) {
        window.location.assign("/analyses");
        return;
      }
      if (response.status === 401 || response.status === 403) {
        stage.textContent = "The access token is no longer accepted — open the server's link again";
        return;
      }
      const analysis = await response.json();
      if (analysis.status === "done" || analysis.status === "failed") {
        window.location.reload();
        return;
      }
      show(analysis);
    } catch (err) {
      // A dropped connection or a restarting server: keep trying.
    }
    window.setTimeout(poll, POLL_MS);
  };
  window.setTimeout(poll, POLL_MS);
});
