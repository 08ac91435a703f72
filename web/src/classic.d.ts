// Types for the classic-script build (dist/nv.classic.js): `<script src=".../nv.classic.js"></script>` defines
// the global `NV`, the ES module's API with the wasm found next to the script.
import type * as api from './index.js';

declare global {
  /** The web package, defined by dist/nv.classic.js. */
  var NV: typeof api;
  interface Window {
    NV: typeof api;
  }
}

export {};
