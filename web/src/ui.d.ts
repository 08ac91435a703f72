// Types for the <nv-verify> custom element (src/ui.js, dist/nv-ui.js; importing it defines the element).
import type { LoginResult, StateEvent, TokenProvider, VerifyResult } from './index.js';

/**
 * Attributes: server (default '/api/v1'), provider ('sandbox' | 'jverification' | 'bridge'), locale ('zh-CN' |
 * 'en'), mode ('verify' | 'login'), asset-base (the folder serving nv-core.wasm and the message tables; default:
 * nv.js's own folder), sandbox-device (the simulated device's id, for the sandbox provider), sandbox-base (the
 * sandbox's URL; default /sandbox on the server's origin), operator (login mode: the network's carrier, whose terms
 * are shown, when the provider cannot tell).
 * Events: 'nv-state' (detail: StateEvent), 'nv-result' (detail: the result, assertion included on success),
 * 'nv-sms' (detail: {step: 'send' | 'check', ok, status, answer}) and 'nv-error' (detail: {code, message, url?}:
 * it cannot start; the card shows it too).
 */
export declare class NvVerify extends HTMLElement {
  readonly locale: 'zh-CN' | 'en';
  readonly mode: 'verify' | 'login';
  readonly server: string;
  /** A provider object of the page's own, used instead of the `provider` attribute. */
  tokenProvider: TokenProvider | null;
}

export interface NvSmsDetail {
  step: 'send' | 'check';
  ok: boolean;
  status: number;
  answer: unknown;
}

/** Why the element cannot start: a reason code (SETUP_ASSET, SETUP_SERVER, SETUP_CORS, ORIGIN_NOT_ALLOWED,
 * SERVER_UNREACHABLE) and a message naming the URL that failed. */
export interface NvErrorDetail {
  code: string;
  message: string;
  url?: string;
}

export interface NvVerifyEventMap {
  'nv-state': CustomEvent<StateEvent>;
  'nv-error': CustomEvent<NvErrorDetail>;
  'nv-result': CustomEvent<VerifyResult | LoginResult>;
  'nv-sms': CustomEvent<NvSmsDetail>;
}

declare global {
  interface HTMLElementTagNameMap {
    'nv-verify': NvVerify;
  }
  interface HTMLElementEventMap extends NvVerifyEventMap {}
}
