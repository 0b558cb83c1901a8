// A job's page follows the job as it runs: job.progress and job.done on
// Shelf's event stream move the progress bar at once, and the job's own
// address, read every few seconds, keeps it true when the stream cannot
// (the job runs on another instance, or the stream is down). Once the job
// has ended the page reloads, so the server shows the outcome. Without
// JavaScript the page refreshes itself instead.
(() => {
  'use strict';

  const box = document.querySelector('[data-job]');
  if (!box) return;
  const id = Number(box.dataset.job);
  const bar = document.getElementById('job-progress');
  const status = document.getElementById('job-status');
  const done = document.getElementById('job-done');
  const total = document.getElementById('job-total');
  const POLL_MS = 3000;
  let ended = box.dataset.jobState === 'done' || box.dataset.jobState === 'failed';
  if (ended) return;

  function show(j) {
    if (!j || j.id !== id || ended) return;
    bar.max = Math.max(j.total, 1);
    bar.value = j.done;
    bar.textContent = Math.min(100, Math.floor((j.done * 100) / Math.max(j.total, 1))) + '%';
    done.textContent = String(j.done);
    total.textContent = String(j.total);
    box.dataset.jobState = j.state;
    if (j.state === 'running') status.textContent = 'Running in the background; you can leave this page.';
    if (j.state === 'done' || j.state === 'failed') {
      ended = true;
      status.textContent = j.state === 'done' ? 'Finished.' : 'Stopped: it failed.';
      location.reload();
    }
  }

  if (window.EventSource) {
    const es = new EventSource('/api/v1/events' + (box.hasAttribute('data-job-all') ? '?all=1' : ''));
    // note: the data attributes tell tests (and styles) that the stream is
    // open and that it, not the poll, moved the bar.
    es.addEventListener('open', () => { box.dataset.jobStream = 'open'; });
    const take = (ev) => {
      let j = null;
      try { j = JSON.parse(ev.data); } catch { return; }
      if (j && j.id === id) box.dataset.jobHeard = 'stream';
      show(j);
    };
    es.addEventListener('job.progress', take);
    es.addEventListener('job.done', take);
    addEventListener('pagehide', () => es.close());
  }

  async function poll() {
    if (ended) return;
    try {
      const res = await fetch(box.dataset.jobUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (res.ok) show(await res.json());
    } catch { /* try again at the next tick */ }
    if (!ended) setTimeout(poll, POLL_MS);
  }
  setTimeout(poll, POLL_MS);
})();
