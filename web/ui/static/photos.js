// Photo uploads on an item's page, enhanced. Without this script the form
// posts the file and the server answers with the page again. With it, the
// chosen photo is previewed, a file over the limit (read from the form's
// data-max-bytes) is refused before it is sent, and the upload shows its
// progress; the server still decides everything, and its refusal is shown
// at the field.
(() => {
  'use strict';

  const form = document.getElementById('photo-form');
  if (!form || !window.FileReader || !window.XMLHttpRequest) return;
  const input = form.querySelector('input[type=file]');
  const preview = form.querySelector('.photo-preview');
  const bar = form.querySelector('.photo-progress');
  const error = document.getElementById('photo-error');
  const maxBytes = Number(form.dataset.maxBytes);

  function fail(text) {
    error.replaceChildren();
    const strong = document.createElement('strong');
    strong.textContent = 'Error:';
    error.append(strong, ' ' + text);
    error.hidden = false;
    error.setAttribute('role', 'alert');
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', 'photo-error');
    bar.hidden = true;
  }

  function clear() {
    error.hidden = true;
    error.replaceChildren();
    input.removeAttribute('aria-invalid');
  }

  input.addEventListener('change', () => {
    clear();
    preview.hidden = true;
    const file = input.files[0];
    if (!file) return;
    if (file.size > maxBytes) {
      fail(`The photo is larger than ${Math.floor(maxBytes / 1048576)} MiB.`);
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      preview.querySelector('img').src = reader.result;
      preview.hidden = false;
    };
    reader.readAsDataURL(file);
  });

  form.addEventListener('submit', (ev) => {
    const file = input.files[0];
    if (!file || file.size > maxBytes) {
      if (file) ev.preventDefault();
      return;
    }
    ev.preventDefault();
    clear();
    const progress = bar.querySelector('progress');
    progress.value = 0;
    bar.hidden = false;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = () => {
      // note: a success redirects (303) to the item's page, which the
      // request follows; a refusal is the page again, with the reason.
      if (xhr.status >= 200 && xhr.status < 300) {
        location.assign(xhr.responseURL || location.href);
        return;
      }
      const page = new DOMParser().parseFromString(xhr.responseText, 'text/html');
      const why = page.getElementById('photo-error') || page.querySelector('main .alert, main p');
      fail(why ? why.textContent.replace(/^\s*Error:\s*/, '').trim() : `The upload failed (${xhr.status}).`);
    };
    xhr.onerror = () => fail('The upload did not reach Shelf; check the connection and try again.');
    xhr.send(new FormData(form));
  });
})();
