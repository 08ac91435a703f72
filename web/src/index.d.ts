// Types for the web package (src/index.js, dist/nv.js). The core's shapes are in loader.d.ts.
import type { Environment, Operator, PhoneAnswer, Signals } from './loader.js';
export { loadCore } from './loader.js';
export type { Environment, Operator, PhoneAnswer, Signals } from './loader.js';

export type NetworkState = 'cellular' | 'wifi' | 'cellular+wifi' | 'offline' | 'unknown';

/** What every token provider implements. Rejections carry `code`: an SDK code, a carrier code, TIMEOUT, NETWORK. */
export interface TokenProvider {
  name?: string;
  getToken(operator: Operator, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<string>;
  /**
   * One-click login: shows the carrier's authorization page and resolves with the loginToken once the user
   * confirms; rejects with code 'CLOSED' when the user closes it. Without it, login() answers LOGIN_UNAVAILABLE.
   */
  getLoginToken?(operator: Operator, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<string>;
  /** The network's carrier, when the provider knows it (asked first by one-click login). */
  operator?(): Operator | undefined;
  /** Extra environment signals (a simulated device, a native bridge's report). */
  signals?(): Partial<Signals>;
  /** Network-change notifications; returns the unsubscribe function. */
  subscribe?(listener: () => void): () => void;
}

export interface SandboxProviderOptions {
  /** The sandbox's base (default '/sandbox'). */
  base?: string;
  /** The simulated device's id (or a function returning it). */
  device?: string | (() => string | undefined);
  /** The simulated device's network, which then replaces the browser's network signals. */
  network?: { network: NetworkState; vpn?: boolean } | (() => { network: NetworkState; vpn?: boolean } | null);
  /** The simulated SIM's carrier (or a function returning it): one-click login asks that gateway first. */
  operator?: Operator | (() => Operator | undefined);
  /** Stands for the carrier's authorization page: true when the user confirms, false when they close it. */
  authorize?: (page: { operator: Operator; signal?: AbortSignal }) => Promise<boolean> | boolean;
  fetch?: typeof fetch;
}

export interface JVerificationProviderOptions {
  appkey?: string;
  debugMode?: boolean;
  /** Defaults to window.JVerificationInterface. */
  sdk?: unknown;
  /** loginAuth's page: 'dialog' (default) or 'full'. */
  loginType?: 'dialog' | 'full';
}

/** The object a native app injects (default window.NVBridge). */
export interface NativeBridge {
  getToken(operator: Operator): Promise<string> | string;
  /** One-click login: the native carrier page; reject with {code: 'CLOSED'} when dismissed. */
  getLoginToken?(operator: Operator): Promise<string> | string;
  network(): { network: NetworkState; vpn?: boolean; operator?: Operator };
  /** Set by the package; the app calls it when the network changes. */
  onchange?: () => void;
}

declare global {
  interface Window {
    /** The native app's bridge, read by the `bridge` provider (docs/web.md). */
    NVBridge?: NativeBridge;
  }
}

export function browserSignals(): Signals;

export interface VerifierOptions {
  /** The companion server's API base (default '/api/v1'). */
  server?: string;
  /**
   * A provider by name (createVerifier() loads it: dist/nv-provider-<name>.js, beside nv.js), or a provider object
   * (nv-web/providers/<name>, or a page's own). `new Verifier()` takes an object only.
   */
  tokenProvider?: 'sandbox' | 'jverification' | 'bridge' | TokenProvider;
  locale?: 'zh-CN' | 'en';
  timeouts?: {
    tokenTimeoutMs?: number;
    budgetMs?: number;
    unknownBudgetMs?: number;
    verifyTimeoutMs?: number;
    envTimeoutMs?: number;
    /** One-click login, per carrier (default 60,000: the user reads and confirms the carrier's page). */
    loginTimeoutMs?: number;
    loginBudgetMs?: number;
  };
  sandbox?: SandboxProviderOptions;
  jverification?: JVerificationProviderOptions;
  bridge?: { object?: NativeBridge };
  wasmUrl?: string | URL;
  fetch?: typeof fetch;
  /** Extra signals merged last (tests, custom bridges). */
  signals?: () => Partial<Signals>;
}

export interface StateEvent {
  state: string;
  /** States entered during this step, for a timeline. */
  path: string[];
  /** performance.now() when it happened. */
  at: number;
  event: string;
  /** The operator whose token the flow asks for in this step. */
  asking?: Operator;
  /** The operator whose token request produced this step. */
  operator?: Operator;
  code?: string;
  status?: number;
  /** How long the request that produced this step took. */
  ms?: number;
  networkChange?: boolean;
  commands?: string[];
  rejected?: { reason: string; message: string; retryAfterSec?: number };
}

export interface VerifyResult {
  verified: boolean;
  result: 'verified' | 'not_verified' | 'fallback' | 'cancelled' | 'rejected';
  code: string;
  message: string;
  operator?: Operator | null;
  fallback: 'sms' | 'none';
  advice?: string;
  adviceMessage?: string;
  upstreamCode?: string;
  risk?: { score: number; decision: 'allow' | 'review' | 'step_up' | 'deny' };
  /** On success: the compact JWS (ES256) the partner's backend verifies (docs/backend.md). */
  assertion?: string;
  retryAfterSec?: number;
  elapsedMs?: number;
}

export interface LoginResult {
  loggedIn: boolean;
  result: 'logged_in' | 'not_verified' | 'fallback' | 'cancelled' | 'rejected';
  code: string;
  message: string;
  /** The number as the carrier showed it (138****8000); the full number reaches only the backend, in `assertion`. */
  masked?: string;
  operator?: Operator | null;
  /** On success: the compact JWS (ES256, amr carrier_login) the partner's backend verifies. */
  assertion?: string;
  /** 'sms': offer SMS login instead. */
  fallback: 'sms' | 'none';
  advice?: string;
  adviceMessage?: string;
  upstreamCode?: string;
  risk?: { score: number; decision: 'allow' | 'review' | 'step_up' | 'deny' };
  elapsedMs?: number;
}

/** A carrier's texts, in the verifier's locale. */
export interface Carrier {
  id: Operator;
  name: string;
  /** The line the carrier requires next to the consent checkbox. */
  branding: string;
  agreement: { name: string; url: string };
}

export declare class Verifier {
  readonly locale: 'zh-CN' | 'en';
  checkEnvironment(): Environment;
  phone(input: string): PhoneAnswer;
  carriers(): Carrier[];
  cooldown(phone: string): number;
  onNetworkChange(listener: (env: Environment) => void): () => void;
  verify(phone: string, options?: { consent?: boolean; onState?: (e: StateEvent) => void; signal?: AbortSignal }): Promise<VerifyResult>;
  /** One-click login: environment, the carrier's page (through the provider), the server's loginTokenVerify. */
  login(options?: { consent?: boolean; onState?: (e: StateEvent) => void; signal?: AbortSignal }): Promise<LoginResult>;
  destroy(): void;
}

export function createVerifier(options?: VerifierOptions): Promise<Verifier>;
