// Types for the `jverification` token provider (src/providers/jverification.js, dist/nv-provider-jverification.js; nv-web/providers/jverification).
import type { JVerificationProviderOptions, TokenProvider } from '../index.js';

/** The vendor's Web SDK, window.JVerificationInterface (docs/web.md, "Token providers"). */
export function jverificationProvider(options?: JVerificationProviderOptions): TokenProvider;
