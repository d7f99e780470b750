// Remembered browsers for Stepup's second-factor page. A browser the person chose to remember
// holds an ECDSA P-256 key pair in IndexedDB whose private key WebCrypto made non-extractable:
// no script, extension or cookie thief can read it out, and IndexedDB keeps it to this origin.
// - A code form with a [data-remember] box: when it is ticked, the key pair is made and kept
//   before the form is posted, and only its public key (a JWK) goes with the code.
// - A form marked data-remembered-sign: the server's text (data-text) is signed with the key
//   named by data-key-id, if this browser holds it, and posted at once; else nothing happens
//   and the page's code form stays the way in.
// Without WebCrypto or IndexedDB, the box stays hidden and the page says nothing is remembered.
(() => {
  const subtle = window.crypto?.subtle;
  const supported = Boolean(subtle && window.indexedDB && window.isSecureContext);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };

  const database = () =>
    new Promise((resolve, reject) => {
      const request = indexedDB.open('stepup-remembered-browser', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('keys');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  const inStore = async (mode, act) => {
    const db = await database();
    try {
      return await new Promise((resolve, reject) => {
        const request = act(db.transaction('keys', mode).objectStore('keys'));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    } finally {
      db.close();
    }
  };
  const base64url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

  for (const box of document.querySelectorAll('[data-remember]')) {
    const unavailable = box.parentElement.querySelector('[data-remember-unavailable]');
    if (!supported) continue;
    box.hidden = false;
    if (unavailable) unavailable.hidden = true;
    const form = box.closest('form');
    const tick = box.querySelector('input[type=checkbox]');
    let ready = false;
    form.addEventListener('submit', async (event) => {
      if (ready || !tick.checked) return;
      event.preventDefault();
      try {
        // the private key is made non-extractable: exportKey on it throws, here and everywhere
        const pair = await subtle.generateKey(algorithm, false, ['sign', 'verify']);
        const jwk = await subtle.exportKey('jwk', pair.publicKey);
        await inStore('readwrite', (store) => store.put(pair, jwk.x));
        form.elements.remember_key.value = JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
      } catch {
        // nothing kept: the sign-in goes on, and this browser is not remembered
        tick.checked = false;
      }
      ready = true;
      form.submit();
    });
  }

  const sign = async (form) => {
    const pair = await inStore('readonly', (store) => store.get(form.dataset.keyId));
    if (!pair?.privateKey) {
      // said on the form for whoever watches the page: this browser holds no such key
      form.dataset.keyHeld = 'no';
      return;
    }
    const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, new TextEncoder().encode(form.dataset.text));
    form.elements.signature.value = base64url(signature);
    form.hidden = false;
    form.submit();
  };
  for (const form of document.querySelectorAll('form[data-remembered-sign]')) {
    if (supported)
      sign(form).catch(() => {
        form.dataset.keyHeld = 'no';
      });
  }
})();
