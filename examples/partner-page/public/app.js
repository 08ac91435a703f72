// The partner's page with nv-web's JavaScript API (docs/web.md): createVerifier() against nv-server on its own
// origin, the carrier guessed as the user types with its terms, verify(), and the signed result to our backend.
import { createVerifier } from '/nv/nv.js';
import { apiBase, applyTexts, lang, simulatedPhone, t, toBackend } from './text.js';

const $ = (id) => document.getElementById(id);
applyTexts();
const api = await apiBase();
let device = null;
let nv;
try {
  // Checks nv-server (its address, this page's origin) and loads the package's files from beside nv.js (/nv/).
  nv = await createVerifier({ server: api, tokenProvider: 'sandbox', locale: lang,
    sandbox: { device: () => device, network: () => ({ network: $('sim-network').value }) } });
} catch (err) {
  // A setup problem, said before anything is spent: its code and the URL that failed.
  $('status').dataset.outcome = 'error';
  $('status').dataset.code = err.code;
  $('status').textContent = `${t.cannot} ${err.code}: ${err.message}`;
}
if (nv) {
  $('sim').hidden = !nv.settings.sandbox;
  $('status').textContent = t.ready;
  $('verify').disabled = false;
  $('phone').addEventListener('input', () => {
    const p = nv.phone($('phone').value);
    $('carrier').textContent = p.valid ? `${p.carrierName} · ${p.masked}` : (p.message || '');
    const c = nv.carriers().find((x) => x.id === p.network);
    $('terms').hidden = !c;
    if (c) {
      $('branding').textContent = c.branding;
      $('agreement').textContent = c.agreement.name;
      $('agreement').href = c.agreement.url;
    }
  });
  $('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('verify').disabled = true;
    $('backend').textContent = '';
    try {
      if (nv.settings.sandbox) device = await simulatedPhone(api, $('phone').value, $('sim-network').value);
      const r = await nv.verify($('phone').value, { consent: $('consent').checked });
      $('result').dataset.outcome = r.result;
      $('result').dataset.code = r.code;
      $('result').textContent = r.adviceMessage && !r.verified ? `${r.message} ${r.adviceMessage}` : r.message;
      document.body.dataset.result = JSON.stringify(r);
      if (r.assertion) await toBackend(r.assertion, $('backend'));
    } finally {
      $('verify').disabled = false;
    }
  });
}
