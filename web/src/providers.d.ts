// Types for the three token providers together (src/providers.js; nv-web/providers).
export { sandboxProvider } from './providers/sandbox.js';
export { jverificationProvider } from './providers/jverification.js';
export { bridgeProvider } from './providers/bridge.js';
