// Types for src/loader.js. The answer shapes are specified in docs/core-api.md.

export interface CoreError {
  ok: false;
  error: { code: string; message: string; field?: string };
}

export type Answer<T> = ({ ok: true } & T) | CoreError;

export interface LoadOptions {
  /** Where to fetch `nv-core.wasm` (default: next to this module); `nv-messages.<locale>.json` is read beside it. */
  wasmUrl?: string | URL;
  /** The module's bytes, when the host fetches them itself. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** The locale whose message table the page's build loads first (default `zh-CN`). */
  locale?: 'zh-CN' | 'en';
  /**
   * Message tables the host already has, used instead of reading the files: per locale, the file's content (an
   * array of texts, as `nv-web/nv-messages.<locale>.json` holds it) or `{ID: text}`.
   */
  messages?: Partial<Record<'zh-CN' | 'en', readonly string[] | Record<string, string>>>;
}

export type Verdict = 'supported' | 'unsupported' | 'unknown';
export type Advice = 'proceed' | 'turn_off_wifi' | 'turn_on_mobile_data' | 'turn_off_vpn' | 'use_sms';
export type Operator = 'CM' | 'CU' | 'CT';

export interface Signals {
  userAgent?: string;
  uaData?: { mobile?: boolean; platform?: string } | null;
  maxTouchPoints?: number;
  onLine?: boolean;
  connection?: {
    type?: string;
    effectiveType?: string;
    downlink?: number;
    downlinkMax?: number;
    rtt?: number;
    saveData?: boolean;
  } | null;
  miniProgram?: boolean;
  bridge?: { network: 'cellular' | 'wifi' | 'cellular+wifi' | 'offline' | 'unknown'; vpn?: boolean } | null;
  sandbox?: { network: 'cellular' | 'wifi' | 'cellular+wifi' | 'offline' | 'unknown'; vpn?: boolean } | null;
  locale?: 'zh-CN' | 'en';
}

export interface Environment {
  verdict: Verdict;
  reasons: string[];
  advice: Advice;
  message: string;
  details: { code: string; message: string; blocking: boolean }[];
  network: { type: string; source: string; effectiveType?: string };
  client: { os: string; app: string; webview: string; mobile: boolean; desktop: boolean; miniProgram: boolean };
}

export interface PhoneAnswer {
  valid: boolean;
  reason?: string;
  message?: string;
  national: string;
  e164?: string;
  masked?: string;
  carrier: 'CM' | 'CU' | 'CT' | 'CBN' | 'MVNO' | 'UNKNOWN';
  carrierName: string;
  network?: Operator;
  segment?: string;
  kind?: 'mobile' | 'data_only' | 'satellite';
  operators?: Operator[];
}

export interface FlowConfig {
  tokenTimeoutMs?: number;
  budgetMs?: number;
  unknownBudgetMs?: number;
  minAttemptMs?: number;
  verifyTimeoutMs?: number;
  envTimeoutMs?: number;
  sameNumberIntervalMs?: number;
  tokenTtlMs?: Partial<Record<Operator, number>>;
  operators?: Operator[];
  unusedTokenLimit?: number;
  unusedTokenWindowMs?: number;
  maxRefetches?: number;
  loginTimeoutMs?: number;
  loginBudgetMs?: number;
  loginTokenTtlMs?: Partial<Record<Operator, number>>;
  locale?: 'zh-CN' | 'en';
}

export type FlowEvent =
  | { type: 'start' | 'prefetch'; now: number; phone: string; consent?: boolean; signals?: Signals }
  | { type: 'env'; now: number; signals: Signals }
  | { type: 'token'; now: number; id: number; token: string }
  | { type: 'token_error'; now: number; id: number; code: string | number }
  | { type: 'verify_result'; now: number; id: number; status: number; body?: string }
  | { type: 'verify_failed'; now: number; id: number; code: 'TIMEOUT' | 'NETWORK' }
  | { type: 'tick' | 'cancel'; now: number }
  | { type: 'cooldown'; now: number; phone: string }
  | { type: 'login'; now: number; consent?: boolean; signals?: Signals; operator?: Operator }
  | { type: 'login_result'; now: number; id: number; status: number; body?: string }
  | { type: 'login_failed'; now: number; id: number; code: 'TIMEOUT' | 'NETWORK' };

export type Command =
  | { cmd: 'collect_env' }
  | { cmd: 'get_token' | 'get_login_token'; id: number; operator: Operator; timeoutMs: number }
  | { cmd: 'login'; id: number; operator: Operator; token: string; timeoutMs: number }
  | { cmd: 'cancel_token' | 'cancel_verify'; id: number }
  | { cmd: 'verify'; id: number; operator: Operator; phone: string; token: string; timeoutMs: number }
  | { cmd: 'wake'; at: number };

export interface Ending {
  outcome: 'verified' | 'not_verified' | 'fallback' | 'cancelled' | 'logged_in';
  verified: boolean;
  loggedIn?: boolean;
  reason: string;
  message: string;
  advice: Advice;
  adviceMessage: string;
  fallback: 'sms' | 'none';
  operator?: Operator;
  code?: string;
  retryAfterMs?: number;
  retryAfterSec?: number;
  risk?: { score?: number; decision?: string };
  elapsedMs: number;
}

export interface StepAnswer {
  state: string;
  path: string[];
  commands: Command[];
  ignored?: boolean;
  environment?: Environment;
  rejected?: { reason: string; message: string; retryAfterMs?: number; retryAfterSec?: number };
  ending?: Ending;
  cooldownMs?: number;
  retryAfterSec?: number;
  tokenExpiresAt?: number;
}

export declare class Flow {
  readonly handle: number;
  readonly config: Required<FlowConfig>;
  step(event: FlowEvent): Answer<StepAnswer>;
  destroy(): Answer<{}>;
}

export declare class Core {
  /** True for the page's build (nv-core.wasm: no message text, no describe); false for nv-core-full.wasm. */
  readonly page: boolean;
  /** The message tables loaded so far, {locale: {ID: text}}. */
  readonly tables: Partial<Record<'zh-CN' | 'en', Record<string, string>>>;
  /** Loads `locale`'s message table if the page's build does not have it yet. */
  useLocale(locale?: 'zh-CN' | 'en'): Promise<Core>;
  /**
   * A reason's, an advice's or a carrier text's message (another loaded locale's when this one is not loaded; the
   * id if unknown).
   */
  message(id: string, locale?: 'zh-CN' | 'en'): string;
  /** An answer's JSON text as an object, with the messages in place. */
  parse(text: string): any;
  /** The ids of the message tables' rows: reasons, advice, then the carriers' texts (CARRIER_CM, BRANDING_CM, ...). */
  readonly ids: string[];
  /**
   * The full build only (nv-core-full.wasm): carriers, flow defaults, version. The page's build throws a TypeError;
   * its carriers' texts are messages (`message('BRANDING_CM')`), as Verifier.carriers() reads them.
   */
  info(locale?: 'zh-CN' | 'en'): Answer<{ version: string; carriers: unknown[]; defaults: Required<FlowConfig> }>;
  phone(input: string, locale?: 'zh-CN' | 'en'): Answer<PhoneAnswer>;
  environment(signals: Signals): Answer<{ environment: Environment }>;
  /** The full build only (nv-core-full.wasm): the page's build throws a TypeError. */
  describe(query: object): Answer<Record<string, unknown>>;
  createFlow(config?: FlowConfig): Flow | CoreError;
  /** Raw access: the answer's JSON text for a string or byte input (tests, diagnostics). */
  raw(fn: 'info' | 'phone' | 'environment' | 'describe' | 'flow_create' | 'flow_step' | 'flow_destroy',
      input: string | Uint8Array, flow?: number, locale?: 'zh-CN' | 'en'): string;
}

/** Loads the core once per page (or process); later calls return the same promise. */
export declare function loadCore(options?: LoadOptions): Promise<Core>;
/** A core of its own (tests, or two independent cores). */
export declare function instantiate(options?: LoadOptions): Promise<Core>;
/**
 * What the page's build of the module reads instead of JSON text (docs/core-api.md, "The page's build"): the JSON
 * text parsed and laid out as the module's nodes, or the reason the text is refused ('INPUT_TOO_LARGE',
 * 'BAD_UTF8', 'BAD_JSON'). `withBody`: a top-level `body` string (a verify_result's) carries its value parsed.
 */
export declare function tape(text: Uint8Array, withBody?: boolean): Uint8Array | 'INPUT_TOO_LARGE' | 'BAD_UTF8' | 'BAD_JSON';
