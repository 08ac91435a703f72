// The partner's page with nv-web's element (docs/web.md, "<nv-verify>"): its server is nv-server on its own origin,
// the package is served at /nv/ (the element finds its files beside nv.js; asset-base would say otherwise), and
// the signed result goes to our backend. The element is loaded after its attributes are set, so it starts once.
import { apiBase, applyTexts, lang, simulatedPhone, toBackend } from './text.js';

const $ = (id) => document.getElementById(id);
applyTexts();
const api = await apiBase();
const card = $('card');
card.setAttribute('server', api);
card.setAttribute('locale', lang);
card.addEventListener('nv-result', (e) => {
  document.body.dataset.result = JSON.stringify(e.detail);
  if (e.detail.assertion) toBackend(e.detail.assertion, $('backend'));
});
card.addEventListener('nv-error', (e) => { document.body.dataset.error = JSON.stringify(e.detail); });
await import('/nv/nv-ui.js');

// Sandbox only (nv-server --sandbox): the simulated phone the element's sandbox provider uses.
let settings = {};
try {
  settings = await (await fetch(`${api}/config`)).json();
} catch { /* the element says why it cannot start */ }
if (settings.sandbox) {
  $('sim').hidden = false;
  $('sim-use').addEventListener('click', async () => {
    card.setAttribute('sandbox-device', await simulatedPhone(api, $('sim-phone').value, $('sim-network').value));
  });
}
