// Live pages: the items list, an item's page and the Trash follow Shelf's
// event stream (GET /api/v1/events), so that a change made elsewhere (another
// tab, device or user) shows here without a reload. A row trashed elsewhere
// leaves with a notice that offers Undo (the viewer sees the row, so they may
// restore it); a restore elsewhere brings it back. The browser's EventSource
// reconnects by itself with Last-Event-ID, so a page that slept catches up.
// The hooks are data- attributes in the templates: data-live (items or
// trash, with data-live-all for an admin's all-owner view) and
// data-live-item on an item's page.
(() => {
  'use strict';

  if (!window.Shelf || !window.EventSource) return;
  const { h, quoted, removeRows, hideItemPage, toast, restoreCohort } = window.Shelf;
  const list = document.querySelector('[data-live]');
  const itemPage = document.querySelector('[data-live-item]');
  if (!list && !itemPage) return;
  const kind = list ? list.dataset.live : 'item';
  const all = list && list.hasAttribute('data-live-all');

  // gone holds what a change elsewhere took off this page, by item id, so
  // that a restore elsewhere (or Undo here) can bring it back.
  const gone = new Map();

  // nameOf is the item's name as this page shows it.
  function nameOf(row) {
    const named = row && row.querySelector('[data-name]');
    return named ? named.dataset.name : 'An item';
  }

  // notice says what changed elsewhere, in the toasts' live region; it
  // never takes the focus from what the viewer is doing.
  function notice(text, undo) {
    toast('info', text, undo);
  }

  // reloadLink says that something this page cannot draw by itself (a row
  // it never had) changed, with a link to see it.
  function reloadLink(text) {
    const region = document.getElementById('toasts');
    region.append(h('div', { class: 'toast toast-info live-notice' },
      h('p', {}, h('strong', {}, 'Elsewhere:'), ' ', text, ' ', h('a', { href: location.pathname + location.search }, 'Reload to see it'))));
  }

  const handlers = {
    'item.trash'(ev) {
      const id = String(ev.entity_id);
      if (kind === 'items') {
        const row = document.getElementById('item-' + id);
        if (!row) return; // note: not on this page, or this tab deleted it
        const name = nameOf(row);
        const rows = removeRows([row]);
        gone.set(id, rows);
        notice(`${quoted(name)} was moved to the Trash elsewhere.`,
          ev.cohort && (() => { gone.delete(id); return restoreCohort(ev.cohort, rows); }));
      } else if (kind === 'item' && itemPage.dataset.liveItem === id && !document.querySelector('.gone-notice')) {
        const name = itemPage.dataset.name;
        const page = hideItemPage(name);
        gone.set(id, page);
        notice(`${quoted(name)} was moved to the Trash elsewhere.`,
          ev.cohort && (() => { gone.delete(id); return restoreCohort(ev.cohort, page); }));
      } else if (kind === 'trash' && !document.getElementById('trash-' + id)) {
        reloadLink(`${ev.summary}.`);
      }
    },
    'item.restore'(ev) {
      const id = String(ev.entity_id);
      if (kind === 'trash') {
        const row = document.getElementById('trash-' + id);
        if (!row) return;
        removeRows([row]);
        notice(`${ev.summary} elsewhere.`);
        return;
      }
      const back = gone.get(id);
      if (back) {
        gone.delete(id);
        back.restore(new Set([id]));
        notice(`${ev.summary} elsewhere.`);
      } else if (kind === 'items' && !document.getElementById('item-' + id)) {
        reloadLink(`${ev.summary} elsewhere.`);
      }
    },
    'item.purge'(ev) {
      const row = kind === 'trash' && document.getElementById('trash-' + ev.entity_id);
      if (!row) return;
      removeRows([row]);
      notice(`${ev.summary} elsewhere.`);
    },
  };

  // note: this tab's own deletes and restores come back on the stream too,
  // often before their own response has updated the page; an event is
  // applied once that response has had time to land, so that what this tab
  // did is never announced as done elsewhere.
  // An event that a newer one about the same item overtook meanwhile (a
  // delete here, undone at once) is dropped: the page already shows the end.
  const SETTLE_MS = 800;
  const latest = new Map();
  const source = new EventSource('/api/v1/events' + (all ? '?all=1' : ''));
  for (const [type, handle] of Object.entries(handlers)) {
    source.addEventListener(type, (msg) => {
      let ev;
      try { ev = JSON.parse(msg.data); } catch { return; }
      const key = `${ev.entity_type}:${ev.entity_id}`;
      latest.set(key, ev.id);
      setTimeout(() => {
        if (latest.get(key) === ev.id) handle(ev);
      }, SETTLE_MS);
    });
  }
  document.documentElement.dataset.liveReady = 'true';
  source.addEventListener('open', () => { document.documentElement.dataset.liveOpen = 'true'; });
})();
