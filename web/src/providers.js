// Token providers: one shape, `getToken(operator, {timeoutMs, signal}) -> Promise<token>`, rejecting with an
// Error whose `code` the core understands (a Web SDK code such as 2002, a carrier code such as "103111", or
// "TIMEOUT" / "NETWORK"). For one-click login they also have `getLoginToken(operator, {timeoutMs, signal})`,
// which shows the carrier's authorization page and resolves with the loginToken once the user confirms; a user
// who closes the page rejects it with code "CLOSED". `operator()` may name the network's carrier. A provider may also report environment signals (`signals()`) and network changes
// (`subscribe(listener) -> unsubscribe`).
//
// Each provider is a module of its own (src/providers/*.js, built to dist/nv-provider-<name>.js), so a page
// downloads only the one it uses: createVerifier() loads a provider named in `tokenProvider` when it needs it.
// This file gathers the three for hosts that want them all (the classic build, Node).
export { sandboxProvider } from './providers/sandbox.js';
export { jverificationProvider } from './providers/jverification.js';
export { bridgeProvider } from './providers/bridge.js';
