// Types for the web package (src/index.js, dist/nv.js). The core's shapes are in loader.d.ts.
import type { Environment, Operator, PhoneAnswer, Signals } from './loader.js';
export { loadCore } from './loader.js';
export type { Environment, Operator, PhoneAnswer, Signals } from './loader.js';

export type NetworkState = 'cellular' | 'wifi' | 'cellular+wifi' | 'offline' | 'unknown';

/** What every token provider implements. Rejections carry `code`: an SDK code, a carrier code, TIMEOUT, NETWORK. */
export interface TokenProvider {
  name?: string;
  getToken(operator: Operator, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<string>;
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
  fetch?: typeof fetch;
}
export function sandboxProvider(options?: SandboxProviderOptions): TokenProvider & { changed(): void };

export interface JVerificationProviderOptions {
  appkey?: string;
  debugMode?: boolean;
  /** Defaults to window.JVerificationInterface. */
  sdk?: unknown;
}
export function jverificationProvider(options?: JVerificationProviderOptions): TokenProvider;

/** The object a native app injects (default window.NVBridge). */
export interface NativeBridge {
  getToken(operator: Operator): Promise<string> | string;
  network(): { network: NetworkState; vpn?: boolean };
  /** Set by the package; the app calls it when the network changes. */
  onchange?: () => void;
}
export function bridgeProvider(options?: { object?: NativeBridge }): TokenProvider;

export function browserSignals(): Signals;

export interface VerifierOptions {
  /** The companion server's API base (default '/api/v1'). */
  server?: string;
  tokenProvider?: 'sandbox' | 'jverification' | 'bridge' | TokenProvider;
  locale?: 'zh-CN' | 'en';
  timeouts?: {
    tokenTimeoutMs?: number;
    budgetMs?: number;
    unknownBudgetMs?: number;
    verifyTimeoutMs?: number;
    envTimeoutMs?: number;
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
  retryAfterSec?: number;
  elapsedMs?: number;
}

export interface Carrier {
  id: Operator;
  name: { 'zh-CN': string; en: string };
  branding: { 'zh-CN': string; en: string };
  agreement: { name: { 'zh-CN': string; en: string }; url: string };
  tokenTtlMs: number;
}

export declare class Verifier {
  readonly locale: 'zh-CN' | 'en';
  checkEnvironment(): Environment;
  phone(input: string): PhoneAnswer;
  carriers(): Carrier[];
  cooldown(phone: string): number;
  onNetworkChange(listener: (env: Environment) => void): () => void;
  verify(phone: string, options?: { consent?: boolean; onState?: (e: StateEvent) => void; signal?: AbortSignal }): Promise<VerifyResult>;
  destroy(): void;
}

export function createVerifier(options?: VerifierOptions): Promise<Verifier>;
