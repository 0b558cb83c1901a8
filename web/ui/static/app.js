// Shelf's progressive enhancement, with no framework and no build step.
//
// Without this script every delete button is a plain form or link that leads
// to a confirmation page. With it, the same buttons open a <dialog> that
// states the impact, delete with fetch, take the row away without a reload
// and offer Undo in a toast. Errors stay in view, and nothing changes on the
// page unless it changed in the database. The hooks are data- attributes in
// the templates: data-kind, data-delete-url, data-confirm-impact, data-row,
// data-name, data-version, data-bulk-delete and data-restore-url; the
// friction thresholds are the body's data-purge-friction and
// data-bulk-friction. The
// building blocks are in ui.js.
(() => {
  'use strict';

  if (!window.Shelf) return; // without ui.js, the forms and links still work
  const {
    h, quoted, count, along, api, refreshToken, problem, blockerText, blockerList, removeRows, hideItemPage, focusAfter, toast, restoreCohort, dialog,
  } = window.Shelf;
  // the server's friction thresholds, from the page: a bigger cascade asks
  // for the item's name, a bigger bulk delete for the count
  const PURGE_FRICTION = Number(document.body.dataset.purgeFriction);
  const BULK_FRICTION = Number(document.body.dataset.bulkFriction);
  // how many of the chosen items a bulk confirmation names, as the page
  // without JavaScript does
  const BULK_SHOWN = Number(document.body.dataset.bulkShown);

  // impact loads an impact preview, or says in the dialog why it cannot.
  async function impact(ui, url) {
    const res = await api('GET', url);
    if (res.ok) return res.data;
    ui.fail(await problem(res, 'deleted'));
    return null;
  }

  // returnable words a blocker of a delete and, for a loan, offers to mark
  // it returned in place; the dialog then states the delete again.
  function returnable(ui, b) {
    const li = h('li', {}, blockerText(b));
    if (b.type !== 'loan') return li;
    const button = h('button', { type: 'button' }, 'Mark returned', h('span', { class: 'visually-hidden' }, ` from ${b.label}`));
    button.addEventListener('click', async () => {
      if (button.getAttribute('aria-disabled')) return;
      button.setAttribute('aria-disabled', 'true');
      const res = await api('POST', `/api/v1/loans/${b.id}/return`);
      button.removeAttribute('aria-disabled');
      // note: a loan returned meanwhile (409) is as good as this one.
      if (!res.ok && res.status !== 409) {
        ui.fail(await problem(res, 'marked returned'));
        return;
      }
      await ui.reload();
    });
    li.append(' ', button);
    return li;
  }

  // specs say, for each data-kind, what the dialog states and what confirming
  // does. src is the element with the data- hooks.
  const specs = {
    item(src) {
      const name = src.dataset.name;
      const row = document.getElementById(src.dataset.row || '');
      return {
        title: `Delete ${quoted(name)}?`,
        confirm: 'Move to the Trash',
        async load(ui) {
          const im = await impact(ui, src.dataset.confirmImpact);
          if (!im) return false;
          if (im.blockers.length) {
            ui.title(`${quoted(name)} is on loan`);
            ui.say(h('div', { class: 'alert alert-error' },
              h('p', {}, h('strong', {}, 'Cannot delete:'), ` ${quoted(name)} is on loan; mark the loan returned before deleting it.`)),
            h('ul', { class: 'blockers returnable' }, im.blockers.map((b) => returnable(ui, b))),
            h('p', {}, 'Nothing was changed. ', h('a', { href: `/items/${src.dataset.itemId}#loans` }, 'Go to its loans')));
            return false;
          }
          // note: no loan blocks any more, so the list's badge is stale.
          if (row) for (const badge of row.querySelectorAll('.badge')) badge.remove();
          const goes = along(im.notes, im.loans);
          ui.say(h('p', { class: 'impact' }, h('strong', {}, name), ' will move to the Trash. ',
            goes ? `${goes} will go to the Trash with it; you can undo this.` : 'You can undo this.'));
          return true;
        },
        run: () => api('DELETE', src.dataset.deleteUrl, undefined,
          src.dataset.version ? { 'If-Match': `"${src.dataset.version}"` } : {}),
        done(res) {
          const cohort = res.headers.get('X-Shelf-Cohort');
          const gone = row ? removeRows([row]) : hideItemPage(name);
          toast('success', `Moved ${quoted(name)} to the Trash.`, cohort && (() => restoreCohort(cohort, gone))).focusUndo();
        },
      };
    },

    note(src) {
      const row = document.getElementById(src.dataset.row || '');
      const text = row && row.querySelector('.prose');
      return {
        title: 'Delete this note?',
        confirm: 'Delete the note',
        load(ui) {
          ui.say(h('p', {}, `This note on ${quoted(src.dataset.itemName)} will be deleted for good; it cannot be undone.`),
            text && h('blockquote', { class: 'prose' }, text.textContent));
          return true;
        },
        run: () => api('DELETE', src.dataset.deleteUrl),
        done() {
          const next = focusAfter(row, '[data-kind="note"]');
          removeRows([row]);
          toast('success', 'Deleted the note.');
          next.focus();
        },
      };
    },

    category(src) {
      const name = src.dataset.name;
      const row = document.getElementById(src.dataset.row || '');
      return {
        title: `Delete category ${quoted(name)}?`,
        confirm: 'Delete the category',
        async load(ui) {
          const im = await impact(ui, src.dataset.confirmImpact);
          if (!im) return false;
          ui.say(h('p', { class: 'impact' }, im.items
            ? `${count(im.items, 'item', 'items')} will become uncategorised (those in the Trash too); the items themselves stay. `
            : 'No items use this category. ', h('strong', {}, src.dataset.undoNote)));
          return true;
        },
        run: () => api('DELETE', src.dataset.deleteUrl),
        done(res) {
          const n = Number(res.headers.get('X-Shelf-Uncategorised') || 0);
          const next = focusAfter(row, '[data-kind="category"]');
          removeRows([row]);
          toast('success', `Deleted category ${quoted(name)}; ${count(n, 'item is', 'items are')} now uncategorised.`);
          next.focus();
        },
      };
    },

    token(src) {
      const name = src.dataset.name;
      const row = document.getElementById(src.dataset.row || '');
      return {
        title: `Revoke the token ${quoted(name)}?`,
        confirm: 'Revoke the token',
        what: 'revoked',
        load(ui) {
          ui.say(h('p', { class: 'impact' }, `Scripts that use ${quoted(name)} stop working at once. `, h('strong', {}, src.dataset.undoNote)));
          return true;
        },
        run: () => api('DELETE', src.dataset.deleteUrl),
        done() {
          const next = focusAfter(row, '[data-kind="token"] button');
          removeRows([row]);
          toast('success', `Revoked the token ${quoted(name)}; it no longer works.`);
          next.focus();
        },
      };
    },

    purge(src) {
      const name = src.dataset.name;
      const row = document.getElementById(src.dataset.row || '');
      return {
        title: `Delete ${quoted(name)} forever?`,
        confirm: 'Delete forever',
        mismatch: 'Type the item’s name exactly as shown to confirm.',
        async load(ui) {
          const im = await impact(ui, src.dataset.confirmImpact);
          if (!im) return false;
          ui.say(h('div', { class: 'alert alert-warning' },
            h('p', {}, h('strong', {}, 'This cannot be undone.'), ' ', h('strong', {}, name),
              ` will be deleted for good${along(im.notes, im.loans) ? `, and with it ${along(im.notes, im.loans)}` : ''}.`)),
          h('p', { class: 'hint' }, 'To give a reason for the audit log, use ',
            h('a', { href: src.getAttribute('href') }, 'the full confirmation page'), '.'));
          if (im.notes + im.loans > PURGE_FRICTION) {
            ui.askToType(['This takes a lot with it. Type the item’s name, ', h('strong', {}, name), ', to confirm.'], name);
          }
          return true;
        },
        run: () => api('DELETE', src.dataset.deleteUrl),
        done(res) {
          // note: too big for one request; the job's page follows it.
          if (res.status === 202 && res.data) { location.assign('/jobs/' + res.data.id); return; }
          const next = focusAfter(row, '[data-kind="purge"]');
          removeRows([row]);
          toast('success', `Deleted ${quoted(name)} forever.`);
          next.focus();
        },
      };
    },
  };

  // bulkSpec confirms deleting the ticked items, as one cohort with one Undo.
  function bulkSpec(form, boxes) {
    const rows = boxes.map((b) => b.closest('tr'));
    const names = rows.map((r) => (r && r.querySelector('[data-name]') ? r.querySelector('[data-name]').dataset.name : ''));
    const n = boxes.length;
    // note: a textarea, so Enter in the reason never confirms the delete.
    const reason = h('textarea', { id: 'bulk-reason', rows: 2, maxlength: document.body.dataset.reasonMax });
    return {
      title: `Delete ${count(n, 'item', 'items')}?`,
      confirm: `Move ${count(n, 'item', 'items')} to the Trash`,
      mismatch: `Type ${n} to confirm that you mean to delete all ${n} items.`,
      load(ui) {
        ui.say(h('p', { class: 'impact' }, 'You chose ', h('strong', {}, count(n, 'item', 'items')),
          ' to move to the Trash, with their notes and loans. Items on loan will stay where they are. You can undo this.'),
        h('ul', { class: 'chosen' }, names.slice(0, BULK_SHOWN).map((x) => h('li', {}, x)),
          n > BULK_SHOWN ? h('li', { class: 'muted' }, `and ${n - BULK_SHOWN} more`) : null),
        h('p', {}, h('label', { for: 'bulk-reason' }, 'Reason ', h('span', { class: 'optional' }, '(optional; kept in the audit log)')), reason));
        if (n > BULK_FRICTION) ui.askToType(['That is a lot of items. Type ', h('strong', {}, String(n)), ' to confirm.'], String(n), true);
        return true;
      },
      run: () => api('POST', form.dataset.bulkDelete, { ids: boxes.map((b) => Number(b.value)), reason: reason.value.trim() }),
      done(res) {
        if (res.status === 202 && res.data) { location.assign('/jobs/' + res.data.id); return; }
        const r = res.data;
        const trashed = new Set(r.trashed.map(String));
        const gone = removeRows(rows.filter((row) => row && trashed.has(row.dataset.itemId)));
        for (const b of boxes) b.checked = false;
        let text = r.trashed.length ? `Moved ${count(r.trashed.length, 'item', 'items')} to the Trash` : 'Nothing was moved to the Trash';
        text += '.';
        if (r.not_found.length) text += ` ${count(r.not_found.length, 'item was', 'items were')} not found.`;
        // note: a blocker names what blocks (a loan); item_id names the item
        // it kept, whose name the page has.
        const nameOf = new Map(boxes.map((b, i) => [Number(b.value), names[i]]));
        const kept = [...new Set(r.blocked.map((b) => b.item_id))];
        if (kept.length) {
          text += ' Not moved: ' + kept.map((id) => `${quoted(nameOf.get(id) || `item ${id}`)} (` +
            r.blocked.filter((b) => b.item_id === id).map(blockerText).join(', ') + ')').join('; ') + '.';
        }
        // note: a partial result is a warning, never a plain "Done".
        const kind = !r.trashed.length ? 'error' : (kept.length || r.not_found.length ? 'warning' : 'success');
        toast(kind, text, r.cohort && (() => restoreCohort(r.cohort, gone))).focusUndo();
      },
    };
  }

  // rowError shows what went wrong next to a row's buttons, until the next try.
  function rowError(row, p, extra) {
    const cell = row.querySelector('.actions') || row;
    const old = cell.querySelector('.inline-error');
    if (old) old.remove();
    cell.append(h('div', { class: 'inline-error', role: 'alert' },
      h('p', {}, h('strong', {}, 'Error:'), ' ', p.text), blockerList(p.blockers), extra));
  }

  // restoreFromTrash restores one item from the Trash in place; a name
  // conflict offers the server's page that restores under a new name.
  async function restoreFromTrash(form) {
    if (form.dataset.busy) return;
    form.dataset.busy = '1';
    const row = document.getElementById(form.dataset.row || '') || form.closest('tr');
    const res = await api('POST', form.dataset.restoreUrl);
    delete form.dataset.busy;
    if (res.ok) {
      const next = focusAfter(row, '.restore-form button');
      removeRows([row]);
      toast('success', `Restored ${quoted(res.data.name)}.`);
      next.focus();
      return;
    }
    const p = await problem(res, 'restored');
    let extra = null;
    if (res.status === 409) {
      extra = h('button', { type: 'button' }, 'Restore under a new name…');
      extra.addEventListener('click', () => HTMLFormElement.prototype.submit.call(form));
    }
    rowError(row, p, extra);
  }

  document.addEventListener('click', (ev) => {
    const link = ev.target.closest('a[data-kind][data-delete-url]');
    if (!link || !specs[link.dataset.kind] || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    dialog.open(link, specs[link.dataset.kind](link));
  });

  document.addEventListener('submit', (ev) => {
    const form = ev.target;
    if (form.matches('form[data-kind][data-delete-url]') && specs[form.dataset.kind]) {
      ev.preventDefault();
      dialog.open(ev.submitter || form, specs[form.dataset.kind](form));
    } else if (form.matches('form[data-bulk-delete]')) {
      ev.preventDefault();
      const boxes = [...document.querySelectorAll(`input[name="ids"][form="${form.id}"]:checked`)];
      const place = document.getElementById('bulk-actions') || form;
      const old = place.querySelector('.inline-error');
      if (old) old.remove();
      if (!boxes.length) {
        place.append(h('span', { class: 'inline-error', role: 'alert' }, h('strong', {}, 'Error:'), ' Tick at least one item first.'));
        return;
      }
      dialog.open(ev.submitter || form, bulkSpec(form, boxes));
    } else if (form.matches('form[data-restore-url]')) {
      ev.preventDefault();
      restoreFromTrash(form);
    }
  });

  // Copy buttons copy their field (a new token's secret), and say so.
  for (const button of document.querySelectorAll('[data-copy]')) {
    const field = document.getElementById(button.dataset.copy);
    if (!field || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        toast('success', 'Copied the token. Keep it somewhere safe: Shelf cannot show it again.');
      } catch {
        field.select();
        toast('error', 'Could not copy it; it is selected, so copy it with your keyboard.');
      }
    });
  }

  // A page that comes back from the back-forward cache may hold a stale token.
  addEventListener('pageshow', (ev) => { if (ev.persisted) refreshToken(); });

  // Tells styles (and tests) that the enhancements are in place.
  document.documentElement.classList.add('js');
})();
