// Dates in the reader's time zone. The server writes every instant in UTC
// (<time datetime="…Z" title="… UTC" data-when>), which is what a reader
// without JavaScript sees; this script rewrites the text into the browser's
// own zone and locale, and leaves the UTC value in the title, on hover.
(() => {
  'use strict';

  const format = new Intl.DateTimeFormat(undefined, {
    day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  });

  function localise(root) {
    for (const el of root.querySelectorAll('time[data-when]')) {
      const at = new Date(el.dateTime);
      if (!Number.isNaN(at.getTime())) el.textContent = format.format(at);
    }
  }

  localise(document);
})();
