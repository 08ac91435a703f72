// Types for the classic-script build (dist/nv.classic.js): `<script src=".../nv.classic.js"></script>` defines
// the global `NV`, the ES module's API and the three token providers, with the wasm found next to the script.
import type * as module from './index.js';
import type * as providers from './providers.js';

type Api = typeof module & typeof providers;

declare global {
  /** The web package, defined by dist/nv.classic.js. */
  var NV: Api;
  interface Window {
    NV: Api;
  }
}

export {};
