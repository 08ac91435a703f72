// <nv-verify>: a drop-in custom element (nv-web/ui, built to dist/nv-ui.js) for pages that want the verify card
// without building it: the phone input with the carrier guessed as you type, that carrier's branding line and
// agreement next to the consent checkbox, the button, progress, the result (role="status") and the SMS
// fallback. Pages that do not use it never load it.
//
//   <script type="module" src="/sdk/dist/nv-ui.js"></script>
//   <nv-verify server="/api/v1" provider="sandbox" locale="zh-CN" mode="verify" sandbox-device="dev_..."></nv-verify>
//
// Events (bubbling, composed): `nv-state` (detail: each step, as verify()'s onState), `nv-result` (detail: the
// result, `assertion` included on success) and `nv-error` (detail: {code, message, url?} when it cannot start: a
// missing file, a wrong server address, an origin the server refuses; the card shows it too). Themable with CSS custom properties (--nv-accent, --nv-ok, --nv-bad,
// --nv-radius, --nv-font) and ::part(input|carrier|terms|branding|agreement|consent|button|progress|result|sms|
// sms-send|sms-code|sms-check|sms-status).
// No inline script or style is injected: the styles are a constructed stylesheet, so the element works under a
// Content-Security-Policy of style-src 'self'.
import { createVerifier } from './index.js';

const TEXT = {
  'zh-CN': {
    phone: '手机号', consent: '我已阅读并同意', verify: '一键校验', login: '本机号码一键登录',
    unknown: '未知运营商', smsSend: '发送验证码', smsCode: '验证码', smsCheck: '验证', smsOk: '短信验证通过',
    sent: (m) => `验证码已发送至 ${m}`, smsTitle: '改用短信验证',
    setupFailed: '本机号码校验暂不可用，请使用短信验证。', retry: '重试',
    states: { checking_env: '检查网络环境', checking_server: '确认校验额度', fetching_token: '获取运营商认证',
      token_ready: '已获得运营商认证', verifying: '服务端校验', verified: '校验通过', logged_in: '登录成功',
      not_verified: '校验未通过', fallback: '转为短信验证', cancelled: '已取消' },
    loginStates: { fetching_token: '等待运营商授权', token_ready: '运营商已授权', verifying: '服务端取号',
      fallback: '转为短信登录' },
  },
  en: {
    phone: 'Phone number', consent: 'I have read and accept ', verify: 'Verify this number', login: 'Log in with this phone\'s number',
    unknown: 'Unknown carrier', smsSend: 'Send code', smsCode: 'Code', smsCheck: 'Check', smsOk: 'Verified by SMS',
    sent: (m) => `Code sent to ${m}`, smsTitle: 'Use an SMS code instead',
    setupFailed: 'Carrier verification is not available here; please use an SMS code.', retry: 'Try again',
    states: { checking_env: 'Checking the network', checking_server: 'Checking the quota with the server',
      fetching_token: 'Getting the carrier token', token_ready: 'Carrier token received',
      verifying: 'Server verification', verified: 'Verified', logged_in: 'Logged in', not_verified: 'Not verified',
      fallback: 'Falling back to SMS', cancelled: 'Cancelled' },
    loginStates: { fetching_token: 'Waiting for the carrier\'s authorization', token_ready: 'Authorized by the carrier',
      verifying: 'The server gets the number', fallback: 'Falling back to SMS login' },
  },
};

const CSS = `:host { display: block; font: var(--nv-font, inherit); color: var(--nv-ink, #1b2330); }
[hidden] { display: none !important; }
label { display: grid; gap: 4px; font-size: 14px; }
input[type=text], input[inputmode] { font: inherit; padding: 10px 12px; border: 1px solid #c9ced6;
  border-radius: var(--nv-radius, 10px); min-height: 44px; }
.carrier { min-height: 22px; font-size: 14px; margin: 6px 0; }
.terms { background: var(--nv-soft, #f4f6fa); border-radius: var(--nv-radius, 10px); padding: 10px 12px; margin: 8px 0; }
.branding { margin: 0 0 6px; font-size: 13px; }
.check { display: flex; gap: 8px; align-items: center; }
.check input { width: 20px; height: 20px; margin: 0; }
a { color: var(--nv-link, #0846c2); }
button { font: inherit; min-height: 44px; padding: 10px 16px; border-radius: var(--nv-radius, 10px);
  border: 1px solid var(--nv-accent, #0b5cff); background: #fff; color: var(--nv-accent-ink-alt, #0846c2); cursor: pointer; }
button.primary { width: 100%; background: var(--nv-accent, #0b5cff); color: var(--nv-accent-ink, #fff); font-weight: 600; margin-top: 8px; }
button:disabled { opacity: .6; cursor: not-allowed; }
:focus-visible { outline: 2px solid var(--nv-accent, #0b5cff); outline-offset: 2px; }
.result:not(:empty) { margin-top: 12px; padding: 12px; border-radius: var(--nv-radius, 10px); font-weight: 600; }
.result[data-outcome=verified], .result[data-outcome=logged_in] { background: #ecfdf3; color: var(--nv-ok, #067647); }
.result[data-outcome=not_verified], .result[data-outcome=rejected] { background: #fef3f2; color: var(--nv-bad, #b42318); }
.result[data-outcome=fallback], .result[data-outcome=cancelled] { background: #fffaeb; color: #8a3a06; }
.result[data-outcome=error] { background: #fef3f2; color: var(--nv-bad, #b42318); }
.result small { display: block; font-weight: 400; margin-top: 4px; overflow-wrap: anywhere; }
[part=sms-status][data-ok=true] { color: var(--nv-ok, #067647); font-weight: 600; }
[part=sms-status][data-ok=false] { color: var(--nv-bad, #b42318); }
ol { margin: 8px 0 0; padding-left: 20px; font-size: 13px; }
.sms { margin-top: 12px; display: grid; gap: 8px; }`;

let sheet;
function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'part' || k.startsWith('aria-') || k === 'role' || k === 'for' || k === 'inputmode' || k === 'autocomplete') e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children);
  return e;
};

let ids = 0;

export class NvVerify extends HTMLElement {
  static get observedAttributes() {
    return ['server', 'provider', 'locale', 'mode', 'sandbox-device', 'sandbox-base', 'asset-base', 'operator'];
  }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).adoptedStyleSheets = [styles()];
    this.device = null; // the simulated device, for the sandbox provider
    this.ownProvider = null;
  }

  /**
   * A token provider object (a page's own, e.g. a sandbox provider with an authorization-page hook) used instead
   * of the `provider` attribute. Setting it restarts the element.
   */
  get tokenProvider() { return this.ownProvider; }
  set tokenProvider(p) {
    this.ownProvider = p || null;
    if (this.isConnected && this.built) this.schedule();
  }

  get locale() { return this.getAttribute('locale') === 'en' ? 'en' : 'zh-CN'; }
  get mode() { return this.getAttribute('mode') === 'login' ? 'login' : 'verify'; }
  get server() { return this.getAttribute('server') || '/api/v1'; }

  connectedCallback() { this.render(); this.schedule(); }
  disconnectedCallback() { if (this.nv) this.nv.destroy(); this.nv = null; }
  attributeChangedCallback(name) {
    if (!this.isConnected || !this.built) return;
    if (name === 'operator') { this.guess(); return; } // the network's carrier (login mode): only the terms change
    this.render();
    this.schedule();
  }

  // Attributes and the tokenProvider property set together (a page's script, the parser) start it once.
  schedule() {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => { this.pending = false; this.setup(); });
  }

  async setup() {
    const ticket = (this.ticket = (this.ticket || 0) + 1);
    if (this.nv) this.nv.destroy();
    this.nv = null;
    const name = this.getAttribute('provider') || 'sandbox';
    const provider = this.ownProvider || name;
    let sandbox;
    try {
      if (!this.ownProvider && name === 'sandbox') {
        const id = this.getAttribute('sandbox-device');
        // The sandbox lives on the API's server: /sandbox there, unless sandbox-base says otherwise.
        const base = this.getAttribute('sandbox-base') || new URL('/sandbox', new URL(this.server, location.href)).href;
        if (id) {
          try { const r = await fetch(`${base}/devices/${encodeURIComponent(id)}`); this.device = r.ok ? await r.json() : null; } catch { this.device = null; }
        }
        sandbox = { base, device: () => this.getAttribute('sandbox-device'),
          network: () => (this.device ? { network: this.device.network } : null),
          operator: () => (this.device ? this.device.operator : undefined) };
      }
      const nv = await createVerifier({ server: this.server, tokenProvider: provider, sandbox, locale: this.locale,
        assetBase: this.getAttribute('asset-base') || undefined });
      if (ticket !== this.ticket) { nv.destroy(); return; }
      this.nv = nv;
    } catch (err) {
      if (ticket === this.ticket) this.failed(err);
      return;
    }
    this.guess();
    this.parts.button.disabled = false;
  }

  // It cannot start: the card says so (the technical detail under it, for the site's developers) and fires
  // nv-error. Only a server that could not be reached is worth another try; a setup mistake is not.
  failed(err) {
    const p = this.parts;
    const t = TEXT[this.locale];
    const detail = { code: (err && err.code) || 'SETUP_ASSET', message: String((err && err.message) || err),
      ...(err && err.url ? { url: err.url } : {}) };
    p.result.dataset.outcome = 'error';
    p.result.dataset.code = detail.code;
    p.result.replaceChildren(t.setupFailed, el('small', { part: 'error-detail' }, `${detail.code}: ${detail.message}`));
    this.retryable = detail.code === 'SERVER_UNREACHABLE';
    if (this.retryable) {
      p.button.textContent = t.retry;
      p.button.disabled = false;
    }
    this.dispatchEvent(new CustomEvent('nv-error', { detail, bubbles: true, composed: true }));
  }

  render() {
    const t = TEXT[this.locale];
    const n = ++ids;
    const p = {};
    p.input = el('input', { id: `nv-phone-${n}`, part: 'input', inputmode: 'tel', autocomplete: 'tel-national', placeholder: '138 0013 8000' });
    p.carrier = el('p', { className: 'carrier', part: 'carrier', 'aria-live': 'polite', id: `nv-carrier-${n}`,
      hidden: this.mode === 'login' });
    p.input.setAttribute('aria-describedby', p.carrier.id);
    p.branding = el('p', { className: 'branding', part: 'branding' });
    p.agreement = el('a', { part: 'agreement', target: '_blank', rel: 'noopener' });
    p.consent = el('input', { type: 'checkbox', part: 'consent' });
    p.terms = el('div', { className: 'terms', part: 'terms', hidden: true }, p.branding,
      el('label', { className: 'check' }, p.consent, el('span', {}, t.consent, p.agreement)));
    p.button = el('button', { type: 'button', className: 'primary', part: 'button', disabled: true },
      this.mode === 'login' ? t.login : t.verify);
    p.result = el('div', { className: 'result', part: 'result', role: 'status', 'aria-live': 'polite' });
    p.result.dataset.outcome = ''; // set to the result's outcome when an attempt ends
    p.progress = el('ol', { part: 'progress', 'aria-label': this.mode === 'login' ? t.login : t.verify });
    p.code = el('input', { inputmode: 'numeric', autocomplete: 'one-time-code', maxLength: 8, part: 'sms-code' });
    p.smsStatus = el('p', { role: 'status', 'aria-live': 'polite', part: 'sms-status' });
    p.smsSend = el('button', { type: 'button', part: 'sms-send' }, t.smsSend);
    p.smsCheck = el('button', { type: 'button', part: 'sms-check' }, t.smsCheck);
    p.sms = el('section', { className: 'sms', part: 'sms', hidden: true, 'aria-label': t.smsTitle },
      p.smsSend, el('label', {}, t.smsCode, p.code), p.smsCheck, p.smsStatus);
    p.phone = el('label', { hidden: this.mode === 'login' }, t.phone, p.input);
    this.shadowRoot.replaceChildren(p.phone, p.carrier, p.terms, p.button, p.result, p.progress, p.sms);
    this.parts = p;
    this.built = true;
    p.input.addEventListener('input', () => this.guess());
    p.button.addEventListener('click', () => this.run());
    p.smsSend.addEventListener('click', () => this.sms('send'));
    p.smsCheck.addEventListener('click', () => this.sms('check'));
  }

  // The carrier guessed from the number (verify) or the network's carrier (login), with its terms.
  guess() {
    if (!this.nv) return;
    const p = this.parts;
    let op;
    if (this.mode === 'login') {
      op = this.getAttribute('operator') || (this.device ? this.device.operator : undefined);
    } else {
      const value = p.input.value;
      const a = value.trim() ? this.nv.phone(value) : null;
      p.carrier.textContent = !a ? '' : a.valid ? `${a.carrierName || TEXT[this.locale].unknown} · ${a.masked}` : a.message || '';
      op = a && (a.network || (a.operators && a.operators[0]));
    }
    const c = this.nv.carriers().find((x) => x.id === op);
    p.terms.hidden = !c;
    if (c) {
      p.branding.textContent = c.branding;
      p.agreement.textContent = c.agreement.name;
      p.agreement.href = c.agreement.url;
    }
  }

  async run() {
    if (this.retryable && !this.nv) {
      this.retryable = false;
      this.render();
      this.setup();
      return;
    }
    if (!this.nv || this.running) return;
    const p = this.parts;
    const t = TEXT[this.locale];
    this.running = true;
    p.button.disabled = true;
    p.progress.replaceChildren();
    p.result.replaceChildren();
    p.result.dataset.outcome = '';
    const labels = this.mode === 'login' ? { ...t.states, ...t.loginStates } : t.states;
    const onState = (e) => {
      for (const s of e.path) p.progress.append(el('li', {}, labels[s] || s));
      this.dispatchEvent(new CustomEvent('nv-state', { detail: e, bubbles: true, composed: true }));
    };
    const options = { consent: p.consent.checked, onState };
    const r = this.mode === 'login' ? await this.nv.login(options) : await this.nv.verify(p.input.value, options);
    this.running = false;
    p.button.disabled = false;
    p.result.dataset.outcome = r.result;
    p.result.dataset.code = r.code;
    p.result.textContent = r.masked && (r.loggedIn || r.verified) ? `${r.message} ${r.masked}` : r.message;
    p.sms.hidden = !(r.fallback === 'sms');
    if (!p.sms.hidden) {
      p.phone.hidden = false; // SMS login needs the number typed
      p.smsStatus.textContent = t.smsTitle;
      delete p.smsStatus.dataset.ok;
    }
    this.dispatchEvent(new CustomEvent('nv-result', { detail: r, bubbles: true, composed: true }));
  }

  async sms(step) {
    const p = this.parts;
    const t = TEXT[this.locale];
    const body = step === 'send' ? { phone: p.input.value } : { phone: p.input.value, code: p.code.value.trim() };
    const res = await fetch(`${this.server}/sms/${step}`, { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': this.locale }, body: JSON.stringify(body) });
    let j = null;
    try { j = await res.json(); } catch { /* not JSON */ }
    p.smsStatus.dataset.ok = String(res.ok);
    p.smsStatus.textContent = res.ok ? (step === 'send' ? t.sent(j.phone) : t.smsOk) : (j && j.error ? j.error.message : `HTTP ${res.status}`);
    this.dispatchEvent(new CustomEvent('nv-sms', { detail: { step, ok: res.ok, status: res.status, answer: j },
      bubbles: true, composed: true }));
    if (step === 'check' && res.ok) {
      // The number is verified, by SMS: the card's result says so, as a success.
      p.result.dataset.outcome = 'verified';
      p.result.dataset.code = 'SMS';
      p.result.textContent = t.smsOk;
      this.dispatchEvent(new CustomEvent('nv-result', { detail: { verified: true, result: 'verified', method: 'sms',
        code: 'SMS', message: t.smsOk, fallback: 'none', assertion: j.assertion }, bubbles: true, composed: true }));
    }
  }
}

if (typeof customElements === 'object' && !customElements.get('nv-verify')) customElements.define('nv-verify', NvVerify);
