// Types for the <nv-verify> custom element (src/ui.js, dist/nv-ui.js; importing it defines the element).
import type { LoginResult, StateEvent, VerifyResult } from './index.js';

/**
 * Attributes: server (default '/api/v1'), provider ('sandbox' | 'jverification' | 'bridge'), locale ('zh-CN' |
 * 'en'), mode ('verify' | 'login'), sandbox-device (the simulated device's id, for the sandbox provider).
 * Events: 'nv-state' (detail: StateEvent) and 'nv-result' (detail: the result, assertion included on success).
 */
export declare class NvVerify extends HTMLElement {
  readonly locale: 'zh-CN' | 'en';
  readonly mode: 'verify' | 'login';
  readonly server: string;
}

export interface NvVerifyEventMap {
  'nv-state': CustomEvent<StateEvent>;
  'nv-result': CustomEvent<VerifyResult | LoginResult>;
}

declare global {
  interface HTMLElementTagNameMap {
    'nv-verify': NvVerify;
  }
  interface HTMLElementEventMap extends NvVerifyEventMap {}
}
