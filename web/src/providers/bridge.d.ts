// Types for the `bridge` token provider (src/providers/bridge.js, dist/nv-provider-bridge.js; nv-web/providers/bridge).
import type { NativeBridge, TokenProvider } from '../index.js';

/** A native app's bridge in an in-app H5 view, window.NVBridge (docs/web.md, "Token providers"). */
export function bridgeProvider(options?: { object?: NativeBridge }): TokenProvider;
