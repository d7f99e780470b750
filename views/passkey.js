// Passkey ceremonies for Stepup's pages. A form marked data-passkey="create" or "get" carries
// the server's options as JSON in data-options; its button runs the ceremony with the
// platform's navigator.credentials and posts the credential as JSON in the hidden field
// "credential". A "get" form marked data-passkey-conditional also offers its passkeys in the
// autofill of the page's username field (conditional mediation), until its button is used.
// Without WebAuthn the button stays hidden and the page's other ways remain.
(() => {
  const pkc = window.PublicKeyCredential;
  const supported = Boolean(pkc && pkc.parseCreationOptionsFromJSON && pkc.parseRequestOptionsFromJSON && navigator.credentials);
  // each form carries these texts in the page's language (data-text-*); English when it does not
  const texts = (form) => ({
    NotAllowedError: form.dataset.textCancelled ?? 'The passkey request was cancelled or timed out. Try again, or choose another way.',
    InvalidStateError: form.dataset.textRegistered ?? 'This passkey is registered already. Choose another authenticator, or another way.',
    unsupported: form.dataset.textUnsupported ?? 'This browser cannot use passkeys. Choose another way.',
    failed: form.dataset.textFailed ?? 'Your passkey could not be used. Try again, or choose another way.',
  });

  const post = (form, credential) => {
    form.elements.credential.value = JSON.stringify(credential.toJSON());
    form.submit();
  };

  for (const form of document.querySelectorAll('form[data-passkey]')) {
    const button = form.querySelector('[data-passkey-start]');
    const problem = form.querySelector('[data-passkey-problem]');
    if (!supported) {
      problem.textContent = texts(form).unsupported;
      continue;
    }
    const options = () => JSON.parse(form.dataset.options);
    // the autofill's request, aborted when the button starts one of its own
    let autofill = null;
    button.hidden = false;
    button.addEventListener('click', async () => {
      autofill?.abort();
      autofill = null;
      problem.textContent = '';
      try {
        const credential =
          form.dataset.passkey === 'create'
            ? await navigator.credentials.create({ publicKey: pkc.parseCreationOptionsFromJSON(options()) })
            : await navigator.credentials.get({ publicKey: pkc.parseRequestOptionsFromJSON(options()) });
        post(form, credential);
      } catch (error) {
        const words = texts(form);
        problem.textContent = (error.name === 'NotAllowedError' || error.name === 'InvalidStateError' ? words[error.name] : null) ?? words.failed;
      }
    });
    if ('passkeyConditional' in form.dataset && pkc.isConditionalMediationAvailable) {
      pkc.isConditionalMediationAvailable().then(async (available) => {
        if (!available) return;
        autofill = new AbortController();
        try {
          post(form, await navigator.credentials.get({ mediation: 'conditional', signal: autofill.signal, publicKey: pkc.parseRequestOptionsFromJSON(options()) }));
        } catch {
          // aborted for the button, or nothing chosen: the page's other ways remain
        }
      });
    }
  }
})();
