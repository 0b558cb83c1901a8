// Shelf's building blocks for progressive enhancement: elements, requests
// with the CSRF token, messages for failures, rows that leave and come back,
// toasts and the confirm dialog. app.js puts them to work; both load with
// defer, this one first, and neither needs a framework or a build step.
(() => {
  'use strict';

  const TOAST_MS = 10000; // at least this long; longer while hovered or focused
  const IMPACT_CAP = Number(document.body.dataset.impactCap); // from the server, where counts stop
  const API_TIMEOUT_MS = 20000; // a request that takes longer is given up

  // h makes an element; strings become text, never HTML.
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== false && v != null) node.setAttribute(k, v === true ? '' : String(v));
    }
    node.append(...children.flat().filter((c) => c != null && c !== false));
    return node;
  }

  const quoted = (name) => '“' + name + '”';

  function count(n, one, many) {
    if (n >= IMPACT_CAP) return IMPACT_CAP.toLocaleString('en') + ' or more ' + many;
    return n === 1 ? '1 ' + one : n.toLocaleString('en') + ' ' + many;
  }

  // along words the notes and loans that go with an item: "2 notes and 1
  // loan", "1 note", or '' when there are none (as the pages do).
  function along(notes, loans) {
    return [notes ? count(notes, 'note', 'notes') : '', loans ? count(loans, 'loan', 'loans') : ''].filter(Boolean).join(' and ');
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }

  // api sends a same-origin request with the session's CSRF token. It never
  // throws: a network failure comes back as status 0.
  async function api(method, url, body, headers) {
    const init = {
      method, credentials: 'same-origin', signal: AbortSignal.timeout(API_TIMEOUT_MS),
      headers: { Accept: 'application/json', 'X-CSRF-Token': csrfToken(), ...headers },
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (err) {
      return { ok: false, status: 0, timedOut: err.name === 'TimeoutError', data: null, headers: new Headers() };
    }
    let data = null;
    if ((res.headers.get('Content-Type') || '').includes('json')) {
      try { data = await res.json(); } catch { data = null; }
    }
    return { ok: res.ok, status: res.status, data, headers: res.headers };
  }

  // refreshToken fetches this page again for the session's current CSRF
  // token, after the session changed (a login in another tab, say). It
  // reports whether the token is new; forms on the page get it too.
  async function refreshToken() {
    try {
      const res = await fetch(location.pathname + location.search,
        { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!res.ok || new URL(res.url).pathname === '/login') return false;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const meta = doc.querySelector('meta[name="csrf-token"]');
      if (!meta || !meta.content || meta.content === csrfToken()) return false;
      document.querySelector('meta[name="csrf-token"]').content = meta.content;
      for (const input of document.querySelectorAll('input[name="csrf_token"]')) input.value = meta.content;
      return true;
    } catch {
      return false;
    }
  }

  // problem puts a failed response into words; what says what did not
  // happen ("deleted"). retry tells whether trying again can help.
  async function problem(res, what) {
    const d = res.data || {};
    switch (res.status) {
      case 0:
        if (res.timedOut) {
          return { text: `Shelf did not answer in time. Reload the page to see whether it was ${what}.`, retry: true };
        }
        return { text: `Shelf could not be reached, so nothing was ${what}. Check your connection, then try again.`, retry: true };
      case 401:
        return { text: `You are no longer logged in, so nothing was ${what}. Log in again in another tab, then try again here.`, retry: true };
      case 403:
        if (await refreshToken()) {
          return { text: `This page had expired (perhaps you logged in again in another tab), so nothing was ${what}. It is up to date now: try again.`, retry: true };
        }
        return { text: `This page has expired, or you may not do this, so nothing was ${what}. Reload the page and try again.` };
      case 404:
        return { text: `It is not there any more, so nothing was ${what}; it may have changed in another tab. Reload the page to see what is left.` };
      case 409:
        return { text: (d.detail || 'This cannot be done yet.') + ` Nothing was ${what}.`, blockers: d.blockers || [] };
      case 422: {
        const fields = Object.values(d.errors || {});
        return { text: (fields.length ? fields.join(' ') : (d.detail || 'Some fields are not valid.')) + ` Nothing was ${what}.` };
      }
      case 412:
        return { text: `It was changed after this page was loaded (perhaps in another tab), so nothing was ${what}. Reload the page to see the change, then decide again.` };
      case 429:
        return { text: `Too many changes in a short time, so nothing was ${what}. Wait a few seconds, then try again.`, retry: true };
    }
    return { text: `Something went wrong on Shelf’s side (error ${res.status}). Reload the page to see whether it was ${what}.`, retry: true };
  }

  // blockerText words a blocker ({type, id, label}) for people.
  function blockerText(b) {
    if (b.type === 'loan') return `Lent to ${b.label}`;
    if (b.type === 'hold') return `Legal hold: ${b.label}`;
    return b.label;
  }

  function blockerList(blockers) {
    if (!blockers || !blockers.length) return null;
    return h('ul', { class: 'blockers' }, blockers.map((b) => h('li', {}, blockerText(b))));
  }

  // syncLists shows a list's empty state once its last row has left, and the
  // list again when a row comes back; a Trash group without rows hides.
  function syncLists() {
    for (const wrap of document.querySelectorAll('.table-wrap')) {
      for (const group of wrap.querySelectorAll('tbody.cohort')) group.hidden = !group.querySelector('tr[data-item-id]');
      const empty = !wrap.querySelector('tbody tr[data-item-id]');
      wrap.hidden = empty;
      for (const n of document.querySelectorAll('[data-live-empty]')) n.hidden = !empty;
      for (const n of document.querySelectorAll('.bulk-actions')) n.hidden = empty;
    }
  }

  // Rows go away when their thing is deleted, and come back on Undo in the
  // place they had.
  function removeRows(rows) {
    const records = rows.filter(Boolean).map((node) => {
      const r = { node, parent: node.parentNode, next: node.nextSibling };
      node.remove();
      return r;
    });
    syncLists();
    return {
      restore(ids) {
        const back = records.filter((r) => ids.has(r.node.dataset.itemId));
        for (const r of [...back].reverse()) {
          r.parent.insertBefore(r.node, r.next && r.next.parentNode === r.parent ? r.next : null);
        }
        syncLists();
        return back.length ? back[0].node.querySelector('.delete-button, a[data-kind], button') : null;
      },
    };
  }

  // hideItemPage stands in for removing a row on an item's own page.
  function hideItemPage(name) {
    const main = document.getElementById('main');
    const shown = [...main.children].filter((c) => !c.hidden);
    const notice = h('div', { class: 'gone-notice' },
      h('h1', {}, `${quoted(name)} is in the Trash`),
      h('p', {}, h('a', { href: '/items' }, 'Back to your items'), ' · ', h('a', { href: '/trash' }, 'Open the Trash')));
    for (const c of shown) c.hidden = true;
    main.append(notice);
    return {
      restore() {
        notice.remove();
        for (const c of shown) c.hidden = false;
        return main.querySelector('[data-kind="item"]');
      },
    };
  }

  // focusAfter is where focus goes when row leaves: the same control in the
  // next row, or the previous one, or the page's main region.
  function focusAfter(row, selector) {
    for (const sib of [row && row.nextElementSibling, row && row.previousElementSibling]) {
      const target = sib && sib.querySelector(selector);
      if (target) return target;
    }
    return document.getElementById('main');
  }

  const region = document.getElementById('toasts') ||
    document.body.appendChild(h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' }));

  // makeRoom keeps the toasts off the page's controls: the page gets room
  // below its end as tall as the toasts, and a control they cover now is
  // scrolled into the clear.
  function makeRoom() {
    const height = region.offsetHeight;
    document.body.style.paddingBottom = height ? `${height + 16}px` : '';
    if (!height) return;
    const box = region.getBoundingClientRect();
    let overlap = 0;
    for (const c of document.querySelectorAll('main a[href], main button, main input, main select, main textarea')) {
      const r = c.getBoundingClientRect();
      if (r.width && r.height && r.bottom > box.top && r.top < box.bottom && r.right > box.left && r.left < box.right) {
        overlap = Math.max(overlap, r.bottom - box.top);
      }
    }
    if (overlap > 0) window.scrollBy(0, overlap + 8);
  }
  new MutationObserver(makeRoom).observe(region, { childList: true });

  // Escape dismisses the newest toast, unless a dialog has the key.
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || ev.defaultPrevented || document.querySelector('dialog[open]')) return;
    const last = region.lastElementChild;
    if (!last) return;
    const hadFocus = last.contains(document.activeElement);
    last.remove();
    if (hadFocus) document.getElementById('main').focus();
  });

  // toast shows a message in the live region for at least TOAST_MS, and for
  // as long as the pointer or the focus is on it. undo, when given, runs on
  // its Undo button and returns what to say next.
  function toast(kind, text, undo) {
    const msg = h('p');
    const node = h('div', { class: 'toast' }, msg);
    let timer = 0;
    let held = false;
    const say = (k, t) => {
      node.className = 'toast toast-' + k;
      msg.replaceChildren(h('strong', {}, { error: 'Problem:', info: 'Elsewhere:', warning: 'Partly done:' }[k] || 'Done:'), ' ', t);
    };
    const arm = () => {
      clearTimeout(timer);
      if (!held) timer = setTimeout(() => node.remove(), TOAST_MS);
    };
    const hold = () => { held = true; clearTimeout(timer); };
    node.addEventListener('mouseenter', hold);
    node.addEventListener('focusin', hold);
    node.addEventListener('mouseleave', () => { held = node.contains(document.activeElement); arm(); });
    node.addEventListener('focusout', (ev) => {
      if (!node.contains(ev.relatedTarget)) { held = node.matches(':hover'); arm(); }
    });
    say(kind, text);
    let undoButton = null;
    if (undo) {
      undoButton = h('button', { type: 'button', class: 'toast-undo' }, 'Undo');
      undoButton.addEventListener('click', async () => {
        if (undoButton.getAttribute('aria-disabled')) return;
        undoButton.setAttribute('aria-disabled', 'true');
        const next = await undo();
        say(next.kind, next.text);
        undoButton.removeAttribute('aria-disabled');
        if (!next.retry) {
          const hadFocus = document.activeElement === undoButton;
          undoButton.remove();
          if (hadFocus) (next.focus || document.getElementById('main')).focus();
        }
        // note: removing a focused button fires no focusout, so look again.
        held = node.contains(document.activeElement) || node.matches(':hover');
        arm();
      });
      node.append(undoButton);
    }
    const dismiss = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss this message' }, '×');
    dismiss.addEventListener('click', () => {
      node.remove();
      document.getElementById('main').focus();
    });
    node.append(dismiss);
    region.append(node);
    arm();
    return { focusUndo: () => undoButton && undoButton.focus() };
  }

  // restoreCohort undoes one delete request: everything it moved to the
  // Trash comes back, and so do the rows.
  async function restoreCohort(cohort, gone) {
    const res = await api('POST', '/api/v1/trash/restore', { cohort });
    if (!res.ok) {
      const p = await problem(res, 'restored');
      return { kind: 'error', text: 'Undo failed: ' + p.text, retry: p.retry };
    }
    const restored = res.data.restored || [];
    const conflicts = res.data.conflicts || [];
    const focus = gone.restore(new Set(restored.map((it) => String(it.id))));
    for (const it of restored) {
      for (const n of document.querySelectorAll(`[data-item-id="${it.id}"][data-version]`)) n.dataset.version = it.version;
    }
    let text = restored.length === 1 ? `Restored ${quoted(restored[0].name)}.` : `Restored ${count(restored.length, 'item', 'items')}.`;
    if (conflicts.length) {
      text += ` ${count(conflicts.length, 'item stays', 'items stay')} in the Trash, as live items now have their names: ${conflicts.map((c) => quoted(c.label)).join(', ')}.`;
    }
    return { kind: restored.length ? 'success' : 'error', text, focus };
  }

  // The confirm dialog: one for the page, filled in by a spec that says what
  // to state and what to do (app.js has one for each kind of thing).
  const dialog = (() => {
    const title = h('h2', { id: 'confirm-title' });
    const body = h('div', { id: 'confirm-body', class: 'confirm-body' });
    const field = h('p', { class: 'confirm-field', hidden: true });
    const error = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const confirm = h('button', { type: 'submit', class: 'danger confirm-button' });
    const cancel = h('button', { type: 'button', class: 'cancel-button' }, 'Cancel');
    const form = h('form', { method: 'dialog', class: 'stack' },
      title, body, field, error, h('p', { class: 'actions' }, confirm, cancel));
    const el = h('dialog', {
      class: 'confirm-dialog', role: 'alertdialog',
      'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body',
    }, form);
    let spec = null;
    let opener = null;
    let busy = false;
    let input = null;
    let expected = '';

    const ui = {
      say: (...nodes) => body.replaceChildren(...nodes.flat().filter(Boolean)),
      // title renames the dialog for what it can do now: a dialog that
      // cannot delete does not ask "Delete …?".
      title: (text) => { title.textContent = text; },
      // reload states the spec's case again, after something changed it
      // from inside the dialog (a loan marked returned).
      async reload() {
        const s = spec;
        error.hidden = true;
        title.textContent = s.title;
        const ready = await s.load(ui);
        if (spec !== s || !el.open) return;
        confirm.hidden = !ready;
        cancel.textContent = ready ? 'Cancel' : 'Close';
        (ready ? (input || confirm) : cancel).focus();
      },
      askToType(label, value, numeric) {
        expected = value;
        input = h('input', { type: 'text', id: 'confirm-typed', autocomplete: 'off', inputmode: numeric ? 'numeric' : null });
        field.replaceChildren(h('label', { for: 'confirm-typed' }, label), input);
        field.hidden = false;
      },
      fail(p) {
        error.replaceChildren(h('p', {}, h('strong', {}, 'Error:'), ' ', p.text), blockerList(p.blockers) || '');
        error.hidden = false;
      },
    };

    async function open(source, s) {
      if (el.open) return;
      spec = s; opener = source; busy = false; input = null; expected = '';
      title.textContent = s.title;
      confirm.textContent = s.confirm;
      confirm.hidden = true;
      confirm.removeAttribute('aria-disabled');
      cancel.textContent = 'Cancel';
      body.replaceChildren(h('p', { class: 'muted' }, 'Checking what this affects…'));
      field.hidden = true;
      field.replaceChildren();
      error.hidden = true;
      error.replaceChildren();
      if (!el.isConnected) document.body.append(el);
      el.setAttribute('aria-busy', 'true');
      el.showModal();
      cancel.focus();
      const ready = await s.load(ui);
      if (spec !== s || !el.open) return;
      el.removeAttribute('aria-busy');
      confirm.hidden = !ready;
      if (!ready) cancel.textContent = 'Close';
      if (ready && input) input.focus();
    }

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (busy || !spec || confirm.hidden) return;
      if (input && input.value.trim() !== expected) {
        input.setAttribute('aria-invalid', 'true');
        ui.fail({ text: spec.mismatch });
        input.focus();
        return;
      }
      if (input) input.removeAttribute('aria-invalid');
      const s = spec;
      busy = true;
      confirm.setAttribute('aria-disabled', 'true');
      el.setAttribute('aria-busy', 'true');
      const res = await s.run();
      const p = res.ok ? null : await problem(res, s.what || 'deleted');
      busy = false;
      confirm.removeAttribute('aria-disabled');
      el.removeAttribute('aria-busy');
      if (res.ok) {
        opener = null;
        el.close();
        s.done(res);
        return;
      }
      ui.fail(p);
      if (!p.retry) {
        confirm.hidden = true;
        cancel.textContent = 'Close';
        cancel.focus();
      }
    });
    // note: a modal dialog lets Tab leave for the browser's own controls;
    // keep it going round the dialog instead.
    el.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Tab') return;
      const stops = [...el.querySelectorAll('a[href], button, input, textarea')].filter((n) => !n.closest('[hidden]'));
      const first = stops[0];
      const last = stops[stops.length - 1];
      if (ev.shiftKey && document.activeElement === first) {
        ev.preventDefault();
        last.focus();
      } else if (!ev.shiftKey && document.activeElement === last) {
        ev.preventDefault();
        first.focus();
      }
    });
    cancel.addEventListener('click', () => { if (!busy) el.close(); });
    el.addEventListener('cancel', (ev) => { if (busy) ev.preventDefault(); });
    el.addEventListener('close', () => {
      // note: the close event comes in a later task; by then the dialog may
      // be open again for something else, which this event must not touch.
      if (el.open) return;
      const back = opener;
      spec = null;
      opener = null;
      if (back && back.isConnected) back.focus();
    });
    return { open };
  })();

  window.Shelf = Object.freeze({
    h, quoted, count, along, api, refreshToken, problem, blockerText, blockerList, removeRows, hideItemPage, focusAfter, toast, restoreCohort, dialog,
  });
})();
