// The classic-script build's entry (dist/nv.classic.js): `<script src=".../nv.classic.js"></script>` defines
// `window.NV` with the same API as the ES module. The wasm is found next to the script unless `wasmUrl` says.
import * as api from './index.js';
import * as providers from './providers.js';

const script = typeof document === 'object' && document.currentScript ? document.currentScript.src : '';
const wasmUrl = script ? new URL('nv-core.wasm', script).href : undefined;

window.NV = {
  ...api,
  ...providers, // the classic build holds all three (sandboxProvider, jverificationProvider, bridgeProvider)
  createVerifier: (options = {}) => api.createVerifier({ wasmUrl, ...options }),
  loadCore: (options = {}) => api.loadCore({ wasmUrl, ...options }),
};
