// What the token providers share (src/providers/*.js): coded errors, and a guard for timeouts and cancels.

export function fail(code, message) {
  const err = new Error(message || String(code));
  err.code = code;
  return err;
}

// Rejects with TIMEOUT after `timeoutMs`, or with ABORTED when `signal` aborts; settles with `promise` otherwise.
export function guard(promise, { timeoutMs, signal } = {}) {
  return new Promise((resolve, reject) => {
    let timer;
    const onAbort = () => reject(fail('ABORTED', 'aborted'));
    // Handled in every case (an already aborted signal too), so a late rejection is never left unhandled.
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      if (signal) signal.removeEventListener('abort', onAbort);
    });
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
    if (timeoutMs > 0) timer = setTimeout(() => reject(fail('TIMEOUT', 'timed out')), timeoutMs);
  });
}
