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
    // note: the API answers a refusal in problem+json, whose detail the
    // field can show as it is; the form's own route answers with a page.
    xhr.open('POST', form.dataset.uploadUrl);
    xhr.setRequestHeader('X-CSRF-Token', document.querySelector('meta[name="csrf-token"]').content);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status === 201) {
        location.reload();
        return;
      }
      let why = '';
      try {
        const p = JSON.parse(xhr.responseText);
        why = (p.errors && p.errors.file) || p.detail || '';
      } catch (e) { /* not a problem document: say what status came */ }
      fail(why || `The upload failed (${xhr.status}).`);
    };
    xhr.onerror = () => fail('The upload did not reach Shelf; check the connection and try again.');
    xhr.send(new FormData(form));
  });
})();
