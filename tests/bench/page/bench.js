// Imported first, so the measurement below is createVerifier() (fetch + compile + instantiate the wasm) plus
// the first checkEnvironment(), as a page that already has the module would see it. (A file, not an inline
// script: the server's Content-Security-Policy allows only its own scripts.)
const t0 = performance.now();
const { createVerifier } = await import('/sdk/dist/nv.js');
const t1 = performance.now();
const nv = await createVerifier({ tokenProvider: 'sandbox' });
const env = nv.checkEnvironment();
const t2 = performance.now();
window.result = { importMs: t1 - t0, verdictMs: t2 - t1, verdict: env.verdict };
