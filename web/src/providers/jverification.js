// The `jverification` token provider (dist/nv-provider-jverification.js; nv-web/providers/jverification): the
// vendor's Web SDK, window.JVerificationInterface, fitted to what its code does (SDK 2.0.0, docs/web.md):
//  - init() asks the vendor's server for the app's carrier ids and then adds the carriers' scripts, which getToken
//    waits for in 500 ms steps (JVerificationClient._init, OperaterCM/OperaterCU.getToken). ready() does all of it
//    once, when the verifier is created: the SDK's start is not charged to a carrier's time.
//  - getToken({operater}) asks that carrier, then the others itself (OperaterControl._sortOperaterArr), one request
//    at a time: a call while one runs answers 2003, and nothing bounds a carrier's script, so a carrier that never
//    answers keeps the SDK busy for good (OperaterControl.getToken, mIsGetToken). This provider never calls it
//    while it is busy: the next request loads the SDK again (a fresh instance), or ends with SDK_STUCK when it
//    does not know where the SDK comes from.
//  - a success names the carrier that answered (`operater`); a 2002 gives each carrier's reason in `content`
//    ({CM: "103111|...", CU, CT}). Both reach the core: the token is verified under its own carrier, and the
//    carriers' codes decide the reason (VPN_SUSPECTED).

import { fail, guard } from './common.js';

// The SDK's order after the carrier asked (OperaterControl.mOperaterArr).
const ORDER = ['CM', 'CU', 'CT'];
// "103111|message|msgId" -> "103111"; a reason without a code ("load YDRZ failed") is kept as it is.
const codeOf = (reason) => {
  const m = /^\s*([\w-]{1,32})\|/.exec(reason);
  return (m ? m[1] : reason).slice(0, 64);
};

/**
 * @param {object} [o]
 * @param {string} [o.appkey] the app's key from the vendor's console
 * @param {string} [o.domainName] the page's origin registered in the vendor's console (init needs it from SDK
 *   5.0.0 on); default location.origin
 * @param {string} [o.src] the SDK's URL: loaded by the provider when the page has not loaded it, and loaded again
 *   when a carrier never answered (default: the page's own <script> of it)
 * @param {object} [o.sdk] the SDK object (default window.JVerificationInterface; tests)
 * @param {'dialog'|'full'} [o.loginType] loginAuth's page
 * @param {number} [o.scriptWaitMs] how long ready() waits for the carriers' scripts (the SDK's own 10 x 500 ms)
 */
export function jverificationProvider({ appkey, domainName = globalThis.location?.origin, src, sdk, debugMode = false,
  loginType = 'dialog', scriptWaitMs = 5000 } = {}) {
  let starting; // the SDK loaded, initialised and its carriers' scripts there (or why not)
  let failed = false;
  let busy = 0; // requests the SDK has not answered: it refuses any other until it is loaded again
  let generation = 0; // only the current SDK instance's answers count
  let added; // the <script> this provider added
  const api = () => sdk || (typeof window === 'object' ? window.JVerificationInterface : undefined);
  const source = () => src || [...document.scripts].map((s) => s.src).find((u) => /jverification[^/]*\.js/i.test(u));

  const load = (url) => new Promise((resolve, reject) => {
    if (added) added.remove();
    added = document.createElement('script');
    added.src = url;
    added.onload = resolve;
    added.onerror = () => reject(fail('SETUP_ASSET', `the vendor's Web SDK could not be loaded from ${url}`));
    document.head.append(added);
  });
  const init = (jv) => new Promise((resolve, reject) => {
    jv.init({ appkey, domainName, debugMode, success: resolve,
      fail: (d) => reject(fail((d && d.code) || 1003, d && d.message)) });
  });
  // The scripts init added for CM and CU verification (the globals getToken polls for).
  const scripts = () => new Promise((resolve) => {
    const end = Date.now() + scriptWaitMs;
    const poll = () => (sdk || (window.YDRZ && window.CUAU) || Date.now() >= end ? resolve() : setTimeout(poll, 50));
    poll();
  });

  function ready() {
    if (starting && !failed && !busy) return starting;
    const reload = busy && !sdk;
    if (busy && !(reload && source())) return Promise.reject(fail('SDK_STUCK', 'the Web SDK still waits for a carrier'));
    busy = 0;
    generation++;
    failed = false;
    starting = (async () => {
      if (reload || (!api() && src)) await load(source());
      const jv = api();
      if (!jv) throw fail('SDK_MISSING', 'window.JVerificationInterface is not on the page: load the vendor\'s Web SDK or pass src');
      // The page may have called init itself (the vendor's guide does): 1001 while that one runs.
      for (let i = 0; !(jv.isInitSuccess && jv.isInitSuccess()); i++) {
        try {
          await init(jv);
          break;
        } catch (err) {
          if (err.code !== 1001 || i >= 10) throw err;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      await scripts();
    })();
    starting.catch(() => { failed = true; }); // the next attempt starts it again
    return starting;
  }

  // One SDK request (getToken or loginAuth). It resolves {token, operator, requests}, or rejects with the SDK's
  // code, each carrier's code (`carriers`) and the carrier requests it made.
  async function ask(method, operator, options, extra) {
    try {
      await (busy || !starting ? ready() : starting);
    } catch (err) {
      err.requests = 0; // the SDK did not start: no carrier was asked
      throw err;
    }
    const gen = generation;
    busy++;
    let settled = false;
    const answer = new Promise((resolve, reject) => {
      const done = (data, ok) => {
        const code = data && data.code;
        if (code === 3008 || code === '3008') return; // loginAuth: the carrier's page is shown; the answer follows
        if (settled) return;
        settled = true;
        if (gen === generation) busy--;
        const token = data && (data.content || data.token);
        if (ok && typeof token === 'string' && token) {
          const by = ORDER.includes(data.operater) ? data.operater : operator;
          return resolve({ token, operator: by, requests: [operator, ...ORDER.filter((o) => o !== operator)].indexOf(by) + 1 });
        }
        const content = data && data.content;
        const err = fail(code === 6002 || code === '6002' ? 'CLOSED' : code || 2002,
          data && (data.message || (typeof content === 'string' ? content : '')));
        err.requests = 0;
        if (content && typeof content === 'object') {
          err.carriers = {};
          for (const o of ORDER) if (content[o]) err.carriers[o] = codeOf(String(content[o]));
          err.requests = Object.keys(err.carriers).length;
        }
        return reject(err);
      };
      api()[method]({ operater: operator, ...extra, success: (d) => done(d, true), fail: (d) => done(d, false) });
    });
    return guard(answer, options);
  }

  return {
    name: 'jverification',
    // The SDK's request timeout (JGCons.REQUEST.TIME_OUT, 5 s) and its own hand-over to the next carriers.
    defaults: { tokenTimeoutMs: 5000, carriersPerRequest: 3 },
    ready,
    getToken: (operator, options = {}) => ask('getToken', operator, options),
    /**
     * loginAuth({operater, type}) shows the carrier's page ('dialog' by default, or 'full'); success gives
     * {code: 0, content: loginToken}. Code 3008 only says the page is shown (SDK 5.2.1+): keep waiting. A user
     * who closes the page (6002) becomes "CLOSED".
     */
    getLoginToken(operator, options = {}) {
      const jv = api();
      if (jv && typeof jv.loginAuth !== 'function') return Promise.reject(fail(2001, 'this JVerificationInterface has no loginAuth'));
      return ask('loginAuth', operator, options, { type: loginType });
    },
  };
}
