/** A `fetch`-compatible function: `globalThis.fetch`, undici's, a test stub, a proxy. */
export type FetchLike = (input: string, init: FetchInit) => Promise<ResponseLike>;

/** What the client passes to `fetch`. */
export interface FetchInit {
  method: string;
  headers: [string, string][];
  body?: string;
  signal: AbortSignal;
}

/** The part of a `Response` the client reads. */
export interface ResponseLike {
  status: number;
  headers: { forEach(callback: (value: string, name: string) => void): void };
  arrayBuffer(): Promise<ArrayBuffer>;
  body?: ReadableStream<Uint8Array> | null;
}

/** Limits for retrying one call. The core decides when a retry is safe: 429 always; 502/503/504
 * and connection failures only for idempotent operations, unless the request certainly never left. */
export interface RetryOptions {
  /** Attempts in total, the first included (1 = never retry). Default 4. */
  maxAttempts?: number;
  /** Backoff before the second attempt, doubling each time (full jitter). Default 500. */
  baseDelayMs?: number;
  /** No single wait is longer; a `Retry-After` beyond it ends the call. Default 30000. */
  maxDelayMs?: number;
  /** The whole call, waits included, stays within this. Default 120000. */
  budgetMs?: number;
}

/** Options shared by every way of making a client. */
export interface BaseClientOptions {
  /** The tailnet used when an operation's `tailnet` is not given. Default `"-"` (the credential's). */
  tailnet?: string;
  /** Default `https://api.tailscale.com` (any http/https URL: a proxy, Headscale, a test server). */
  baseUrl?: string;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Per attempt, via `AbortController`. Default 30000; 0 turns it off. */
  timeoutMs?: number;
  /** Retry limits, or `false` to never retry. */
  retry?: RetryOptions | false;
  /** Client-side token bucket: at most `burst` requests at once, `perSecond` on average. */
  rateLimit?: { perSecond: number; burst?: number };
  /** Responses larger than this are refused (default 64 MiB). */
  maxResponseBytes?: number;
  /** Replaces the `User-Agent` (`tailnet-js/x.y.z`), where the platform lets a script set it. */
  userAgent?: string;
  /** Called with an `Observation` of every request and of its outcome (secrets masked by the
   * core), for logging and metrics. Keep it quick; what it throws is ignored. */
  observer?: (observation: Observation) => void;
}

/** One event in the life of a call, as the core records it; every secret is masked
 * (`Authorization` and sensitive headers show `[redacted]`, `tskey-…` in URLs and bodies). */
export type Observation =
  | {
      event: "request";
      /** The call's `operationId`. */
      operation: string;
      method: string;
      url: string;
      /** `[name, value]` pairs, lower-case names. */
      headers: [string, string][];
      /** The first 4096 bytes of the body as text. */
      body: string;
      /** The call's attempt number, from 1 (0 for an OAuth token request before the first). */
      attempt: number;
    }
  | {
      event: "response";
      operation: string;
      method: string;
      url: string;
      /** The HTTP status; `null` after a transport failure. */
      status: number | null;
      /** From sending to the response or failure. */
      durationMs: number;
      attempt: number;
      /** Size of the response body (0 after a transport failure). */
      bodyBytes: number;
      /** The transport failure's message; `null` when a response arrived. */
      error: string | null;
    };

/** `new Client(options)`: an API access token, an access token you manage, or no credentials. */
export interface ClientOptions extends BaseClientOptions {
  /** An API access token (`tskey-api-…`), sent as `Authorization: Bearer …`. */
  apiKey?: string;
  /** Send `apiKey` as the Basic-auth user name instead of a Bearer token. */
  basicAuth?: boolean;
  /** An OAuth access token obtained elsewhere, sent as `Authorization: Bearer …`. */
  accessToken?: string;
}

/** `Client.fromOAuth(options)`: OAuth client credentials; tokens are fetched once for any number
 * of concurrent calls, cached, refreshed before expiry, and dropped on a 401. */
export interface OAuthOptions extends BaseClientOptions {
  clientId: string;
  /** `tskey-client-…` */
  clientSecret: string;
  scopes?: string[];
}

/** `Client.fromWorkloadIdentity(options)`: an OIDC ID token exchanged for access tokens. */
export interface WorkloadIdentityOptions extends BaseClientOptions {
  clientId: string;
  idToken: string;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (its current attempt and any wait); the call rejects with a `TransportError`
   * whose `aborted` is true. */
  signal?: AbortSignal;
}

/** A request as built by `buildRequest`: send it with any HTTP stack. */
export interface HttpRequestParts {
  method: string;
  /** Absolute URL, path and query already percent-encoded. */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** JSON, HuJSON or form text; absent when the request has no body. */
  body?: string;
}

/** Headers as a `Headers` object, a plain object, or `[name, value]` pairs. */
export type HeadersInput =
  | Record<string, string>
  | [string, string][]
  | { forEach(callback: (value: string, name: string) => void): void };

/** A response to parse with `parseResponse`. */
export interface HttpResponseParts {
  status: number;
  headers?: HeadersInput;
  body?: string | Uint8Array | ArrayBuffer;
}

/** Static description of an operation, from the core's registry. */
export interface OperationInfo {
  id: string;
  name: string;
  method: string;
  path: string;
  scopes: string[];
  success: number[];
  authenticated: boolean;
  idempotent: boolean;
  params: { wire: string; name: string; location: "path" | "query" | "header"; ty: string }[];
  body: { contentType: string; ty: string; fields: { wire: string; name: string; ty: string }[]; freeFormKeys: boolean } | null;
  response: string;
}

/** Options of `preparePolicyWrite` (and of `Client.updatePolicyFile`). */
export interface PolicyWriteOptions {
  /** Allow writing a policy with neither `acls` nor `grants`, which allows all traffic. Default false. */
  allowAllowAll?: boolean;
  /** First write of a new tailnet: send `If-Match: "ts-default"`, so the write succeeds only while
   * the default policy is untouched. Default false. */
  replaceDefaultOnly?: boolean;
}

/** Options of `Client.updatePolicyFile`. */
export interface UpdatePolicyFileOptions extends PolicyWriteOptions, CallOptions {
  /** Reads (and re-applications of the edit) allowed while other writers keep winning (412). Default 5. */
  maxAttempts?: number;
}

/** Options of `webhooks.verify`. */
export interface VerifyOptions {
  /** The current time: Unix seconds or a `Date`. Default `Date.now()`. */
  now?: number | Date;
  /** How far the signature's timestamp may be from `now`, both ways. Default 300. */
  toleranceSeconds?: number;
}
