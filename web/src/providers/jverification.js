// The `jverification` token provider (dist/nv-provider-jverification.js; nv-web/providers/jverification): the
// vendor's Web SDK.

import { fail, guard } from './common.js';

/**
 * The vendor's official Web SDK, when the page loads it: window.JVerificationInterface with
 * init({appkey, success, fail}), isInitSuccess() and getToken({operater, success, fail}). Callbacks receive
 * {code, message|content, ...}; a token arrives as `content` (or `token`). SDK codes 1000-2005 reach the core
 * unchanged, which maps them (docs/error-codes.md).
 */
export function jverificationProvider({ appkey, sdk, debugMode = false, loginType = 'dialog' } = {}) {
  let ready;
  const api = () => sdk || (typeof window === 'object' ? window.JVerificationInterface : undefined);
  function init() {
    const jv = api();
    if (!jv) return Promise.reject(fail(2001, 'JVerificationInterface is not on the page'));
    if (typeof jv.isInitSuccess === 'function' && jv.isInitSuccess()) return Promise.resolve();
    if (!ready) {
      ready = new Promise((resolve, reject) => {
        jv.init({
          appkey,
          debugMode,
          success: () => resolve(),
          fail: (data) => { ready = undefined; reject(fail((data && data.code) || 1003, data && data.message)); },
        });
      });
    }
    return ready;
  }
  return {
    name: 'jverification',
    async getToken(operator, options = {}) {
      await guard(init(), options);
      const jv = api();
      const token = new Promise((resolve, reject) => {
        jv.getToken({
          operater: operator, // sic: the SDK's spelling
          success: (data) => {
            const t = data && (data.token || data.content);
            if (typeof t === 'string' && t) resolve(t);
            else reject(fail(2002, 'the SDK returned no token'));
          },
          fail: (data) => reject(fail((data && data.code) || 2002, data && (data.message || data.content))),
        });
      });
      return guard(token, options);
    },
    /**
     * loginAuth({operater, type}) shows the carrier's page ('dialog' by default, or 'full'); success gives
     * {code: 0, content: loginToken}. Code 3008 only says the page is shown (SDK 5.2.1+): keep waiting. A user
     * who closes the page (6002) becomes "CLOSED".
     */
    async getLoginToken(operator, options = {}) {
      await guard(init(), options);
      const jv = api();
      if (typeof jv.loginAuth !== 'function') throw fail(2001, 'this JVerificationInterface has no loginAuth');
      const token = new Promise((resolve, reject) => {
        const settle = (data, ok) => {
          const code = data && data.code;
          if (code === 3008 || code === '3008') return; // the page is up; the answer comes later
          const t = data && (data.content || data.token);
          if (ok && typeof t === 'string' && t) return resolve(t);
          const c = code === 6002 || code === '6002' ? 'CLOSED' : code || 2002;
          reject(fail(c, data && (data.message || data.content)));
        };
        jv.loginAuth({ operater: operator, type: loginType, success: (d) => settle(d, true), fail: (d) => settle(d, false) });
      });
      return guard(token, options);
    },
  };
}
