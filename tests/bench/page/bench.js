// Imported first, so the measurement below is createVerifier() (fetch + compile + instantiate the wasm) plus
// the first checkEnvironment(), as a page that already has the module would see it. (A file, not an inline
// script: the server's Content-Security-Policy allows only its own scripts.)
// With ?baseline=1 the page measures only what no SDK can avoid: fetching, compiling and instantiating the same
// nv-core.wasm with the browser's own WebAssembly.instantiateStreaming (none of our loader's work, no message
// table), from the same starting point (after the same import). The benchmark interleaves the two, so a noisy
// machine slows both alike.
if (new URLSearchParams(location.search).get('baseline')) {
  const t0 = performance.now();
  await import('/sdk/dist/nv.js');
  const imports = { env: { emscripten_notify_memory_growth() {} }, wasi_snapshot_preview1: { proc_exit() {} } };
  const t1 = performance.now();
  const { instance } = await WebAssembly.instantiateStreaming(fetch('/sdk/dist/nv-core.wasm'), imports);
  const t2 = performance.now();
  window.result = { importMs: t1 - t0, verdictMs: t2 - t1, verdict: typeof instance.exports.nv_environment };
} else {
  const t0 = performance.now();
  const { createVerifier } = await import('/sdk/dist/nv.js');
  const t1 = performance.now();
  const nv = await createVerifier({ tokenProvider: 'sandbox' });
  const env = nv.checkEnvironment();
  const t2 = performance.now();
  window.result = { importMs: t1 - t0, verdictMs: t2 - t1, verdict: env.verdict };
}
