// Types for the `sandbox` token provider (src/providers/sandbox.js, dist/nv-provider-sandbox.js; nv-web/providers/sandbox).
import type { SandboxProviderOptions, TokenProvider } from '../index.js';

/** The sandbox's carrier gateways (docs/web.md, "Token providers"). */
export function sandboxProvider(options?: SandboxProviderOptions): TokenProvider & { changed(): void };
