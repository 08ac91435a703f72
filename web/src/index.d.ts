// Types for the web package (src/index.js, dist/nv.js). The core's shapes are in loader.d.ts.
import type { Environment, Operator, PhoneAnswer, Signals } from './loader.js';
export { loadCore } from './loader.js';
export type { Environment, Operator, PhoneAnswer, Signals } from './loader.js';

export type NetworkState = 'cellular' | 'wifi' | 'cellular+wifi' | 'offline' | 'unknown';

/**
 * A token, or, from a provider whose SDK may answer for another carrier than the one asked, the token with the
 * carrier that issued it and the carrier requests it took.
 */
export type TokenAnswer = string | { token: string; operator?: Operator; requests?: number };

/**
 * What every token provider implements. Rejections are Errors with `code`: an SDK code, a carrier code, or the
 * provider's own (TIMEOUT, NETWORK, CLOSED, SETUP_ASSET, SETUP_SERVER, SETUP_CORS, SDK_MISSING, SDK_STUCK); a
 * rejection may carry `carriers` ({CM, CU, CT}: each carrier's own code, when its SDK asked several) and
 * `requests` (the carrier requests it made).
 */
export interface TokenProvider {
  name?: string;
  getToken(operator: Operator, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<TokenAnswer>;
  /**
   * One-click login: shows the carrier's authorization page and resolves with the loginToken once the user
   * confirms; rejects with code 'CLOSED' when the user closes it. Without it, login() answers LOGIN_UNAVAILABLE.
   */
  getLoginToken?(operator: Operator, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<TokenAnswer>;
  /** The network's carrier, when the provider knows it (asked first by one-click login). */
  operator?(): Operator | undefined;
  /** Extra environment signals (a simulated device, a native bridge's report). */
  signals?(): Partial<Signals>;
  /** Network-change notifications; returns the unsubscribe function. */
  subscribe?(listener: () => void): () => void;
  /**
   * Starts what the provider needs (a vendor SDK: loaded, initialised, the carriers' scripts there). The verifier
   * calls it when it is created and before each attempt, outside any carrier's time.
   */
  ready?(): Promise<void>;
  /** The flow settings its SDK implies (e.g. the vendor's 5 s per carrier, carriers it asks itself); the page's win. */
  defaults?: { tokenTimeoutMs?: number; carriersPerRequest?: number };
}

export interface SandboxProviderOptions {
  /**
   * The sandbox's URL (default '/sandbox'; createVerifier() makes it /sandbox on an absolute `server`'s origin). A
   * page on another origin needs nv-server --cors-origin for it, as for the API.
   */
  base?: string;
  /** The simulated device's id (or a function returning it). */
  device?: string | (() => string | undefined);
  /** The simulated device's network, which then replaces the browser's network signals. */
  network?: { network: NetworkState; vpn?: boolean } | (() => { network: NetworkState; vpn?: boolean } | null);
  /** The simulated SIM's carrier (or a function returning it): one-click login asks that gateway first. */
  operator?: Operator | (() => Operator | undefined);
  /**
   * Stands for the carrier's authorization page, shown only after that carrier's gateway pre-fetched the number
   * (`masked`): true when the user confirms, false when they close it.
   */
  authorize?: (page: { operator: Operator; masked?: string; signal?: AbortSignal }) => Promise<boolean> | boolean;
  fetch?: typeof fetch;
}

export interface JVerificationProviderOptions {
  appkey?: string;
  /** The page's origin as registered in the vendor's console (init needs it from SDK 5.0.0); default location.origin. */
  domainName?: string;
  debugMode?: boolean;
  /**
   * The SDK's URL: loaded by the provider when the page has not, and loaded again (a fresh instance) when a carrier
   * never answered and the SDK stays busy. Default: the page's own <script> of the SDK.
   */
  src?: string;
  /** Defaults to window.JVerificationInterface. */
  sdk?: unknown;
  /** How long ready() waits for the carriers' scripts the SDK adds (default 5,000 ms, the SDK's own wait). */
  scriptWaitMs?: number;
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
    /** The server's answer to the quota check before the first token (default 3,000). */
    checkTimeoutMs?: number;
    /** Carriers one token request covers (a provider's SDK that asks the next carriers itself: its defaults say). */
    carriersPerRequest?: number;
  };
  sandbox?: SandboxProviderOptions;
  jverification?: JVerificationProviderOptions;
  bridge?: { object?: NativeBridge };
  /** The folder serving nv-core.wasm and nv-messages.<locale>.json (default: the folder nv.js is served from). */
  assetBase?: string | URL;
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
  /**
   * The carrier token requests this attempt made: each carrier an SDK that hands over asked counts; a request
   * still running when the attempt ended counts once. At most one per carrier, plus one refetch.
   */
  carrierRequests?: number;
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
  carrierRequests?: number;
}

/** A carrier's texts, in the verifier's locale. */
export interface Carrier {
  id: Operator;
  name: string;
  /** The line the carrier requires next to the consent checkbox. */
  branding: string;
  agreement: { name: string; url: string };
}

/** The server's public settings (GET /api/v1/config, server/openapi.yaml). */
export interface ServerSettings {
  sandbox?: boolean;
  oneClickLogin?: boolean;
  [key: string]: unknown;
}

export declare class Verifier {
  readonly locale: 'zh-CN' | 'en';
  /** The server's public settings, as createVerifier() read them ({} for a Verifier made directly). */
  readonly settings: ServerSettings;
  checkEnvironment(): Environment;
  phone(input: string): PhoneAnswer;
  carriers(): Carrier[];
  cooldown(phone: string): number;
  /** Calls `listener` with the new environment verdict (checkEnvironment()'s answer) when the network changes. */
  onNetworkChange(listener: (env: Environment) => void): () => void;
  /** Resolves when the token provider is ready (a vendor SDK started), or after 10 s; never rejects. */
  ready(): Promise<void>;
  verify(phone: string, options?: { consent?: boolean; onState?: (e: StateEvent) => void; signal?: AbortSignal }): Promise<VerifyResult>;
  /** One-click login: environment, the carrier's page (through the provider), the server's loginTokenVerify. */
  login(options?: { consent?: boolean; onState?: (e: StateEvent) => void; signal?: AbortSignal }): Promise<LoginResult>;
  destroy(): void;
}

/**
 * Loads the core and the provider and asks the server for its settings at once. Rejects with an Error whose `code`
 * is a reason (SETUP_ASSET, SETUP_SERVER, SETUP_CORS, ORIGIN_NOT_ALLOWED, SERVER_UNREACHABLE) and whose message
 * names the URL, when the page's setup keeps it from verifying anything.
 */
export function createVerifier(options?: VerifierOptions): Promise<Verifier>;

/** The server's public settings (GET {server}/config), or an Error with `code` and the URL (as createVerifier). */
export function checkServer(server?: string, options?: { fetch?: typeof fetch; locale?: 'zh-CN' | 'en' }): Promise<ServerSettings>;
