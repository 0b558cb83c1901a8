// "Select all on this page", and, once the page is selected, the offer to
// select everything the search matches on every page. Without this script
// the checkbox stays hidden and the offer is a plain link, always shown;
// the link leads to the same confirmation either way.
(() => {
  'use strict';

  for (const all of document.querySelectorAll('input[data-select-page]')) {
    const form = all.dataset.selectPage;
    const selector = `input[name="ids"][form="${form}"]`;
    const boxes = () => [...document.querySelectorAll(selector)];
    const offer = document.querySelector(`[data-select-matching="${form}"]`);
    const said = offer && offer.querySelector('.page-selected');
    if (said) said.setAttribute('role', 'status');

    const sync = () => {
      const list = boxes();
      const ticked = list.filter((b) => b.checked).length;
      all.checked = list.length > 0 && ticked === list.length;
      all.indeterminate = ticked > 0 && ticked < list.length;
      if (!offer) return;
      offer.hidden = !all.checked;
      said.hidden = !all.checked;
      said.textContent = all.checked ? `All ${list.length === 1 ? '1 item' : list.length + ' items'} on this page are selected.` : '';
    };

    (all.closest('.select-page-line') || all).hidden = false;
    all.addEventListener('change', () => {
      for (const b of boxes()) b.checked = all.checked;
      sync();
    });
    document.addEventListener('change', (ev) => { if (ev.target.matches(selector)) sync(); });
    // note: rows leave (a delete, another tab's event) and boxes are cleared
    // without a change event; the table's rows changing says when to look.
    const first = document.querySelector(selector);
    const table = first && first.closest('table');
    if (table) new MutationObserver(sync).observe(table, { childList: true, subtree: true });
    sync();
  }
})();
