import type { AclTestResult } from "./generated.js";

/** Every error this package throws is a `TailnetError`; never a string. Messages are scrubbed of
 * secrets by the core. */
export class TailnetError extends Error {
  /** `build`, `api`, `decode`, `transport`, `internal`, `policy` (`PolicyEditError`) or
   * `webhook` (`WebhookVerificationError`). */
  readonly kind: "build" | "api" | "decode" | "transport" | "internal" | "policy" | "webhook";

  constructor(kind: TailnetError["kind"], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

/** A request could not be built: `parameter` names the one at fault (`deviceId`, `If-Match`,
 * `body.tags`, `operationId`, `baseUrl`). */
export class BuildError extends TailnetError {
  readonly parameter: string;
  readonly reason: string;

  constructor(parameter: string, reason: string, message?: string) {
    super("build", message ?? `invalid parameter \`${parameter}\`: ${reason}`);
    this.parameter = parameter;
    this.reason = reason;
  }
}

/** One failed (or warned) policy test, as the API reports it (the core's `AclTestResult`). */
export type AclTestFailure = AclTestResult;

export interface ApiErrorDetails {
  status: number;
  message: string;
  data?: unknown;
  dataKind?: "aclTests" | "other";
  retryAfter?: number;
  retryAfterAt?: Date;
  body?: string;
  requiredScope?: string;
  code?: string;
  display?: string;
}

/** The API answered with an error status.
 *
 * - `status`; `message`: the error body's `message` (an OAuth error's `error_description`, or a
 *   short description when the body is not JSON); `display`: one line with everything (status,
 *   message, failed tests, scope);
 * - `code`: the machine-readable error code when the server sent one (an OAuth error's `error`,
 *   such as `invalid_client`);
 * - `data`: the error body's `data` (for failed policy tests an array of `{user, errors, warnings}`,
 *   `dataKind` is then `"aclTests"`);
 * - `retryAfter`: seconds to wait when the server sent `Retry-After` (`retryAfterAt` too when it
 *   sent a date);
 * - `body`: the raw body when it is not a JSON error (HTML from a proxy, plain text), secrets masked;
 * - `requiredScope`: on a 403 that says a scope or permission is missing, the OAuth scope the
 *   operation needs (absent for other refusals, such as a tag the credential may not assign). */
export class ApiError extends TailnetError {
  readonly status: number;
  readonly data: unknown;
  readonly dataKind: "aclTests" | "other" | undefined;
  readonly retryAfter: number | undefined;
  readonly retryAfterAt: Date | undefined;
  readonly body: string | undefined;
  readonly requiredScope: string | undefined;
  readonly code: string | undefined;
  readonly display: string;

  constructor(details: ApiErrorDetails) {
    super("api", details.message);
    this.status = details.status;
    this.data = details.data;
    this.dataKind = details.dataKind;
    this.retryAfter = details.retryAfter;
    this.retryAfterAt = details.retryAfterAt;
    this.body = details.body;
    this.requiredScope = details.requiredScope;
    this.code = details.code;
    this.display = details.display ?? `API error ${details.status}: ${details.message}`;
  }

  /** Failed policy tests, when the error carries them. */
  get testFailures(): AclTestFailure[] {
    return this.dataKind === "aclTests" && Array.isArray(this.data) ? (this.data as AclTestFailure[]) : [];
  }

  override toString(): string {
    return `${this.name}: ${this.display}`;
  }
}

/** 401: missing, invalid or expired credentials. */
export class AuthenticationError extends ApiError {}
/** 403: the credentials lack permission; `requiredScope` names the OAuth scope needed. */
export class PermissionDeniedError extends ApiError {}
/** 404. */
export class NotFoundError extends ApiError {}
/** 409. */
export class ConflictError extends ApiError {}
/** 412: `If-Match` did not match (someone else changed the policy file since you read it). */
export class PreconditionFailedError extends ApiError {}
/** 429: too many requests; `retryAfter` says when to try again. */
export class RateLimitError extends ApiError {}
/** 5xx. */
export class ServerError extends ApiError {}

/** A success response whose body does not decode: `path` is the JSON path of the failure
 * (`devices[3].lastSeen`, `.` for the document), `snippet` a short excerpt (secrets masked). */
export class DecodeError extends TailnetError {
  readonly status: number;
  readonly path: string;
  readonly reason: string;
  readonly snippet: string;

  constructor(status: number, path: string, reason: string, snippet = "", message?: string) {
    super("decode", message ?? `cannot decode the ${status} response at \`${path}\`: ${reason}`);
    this.status = status;
    this.path = path;
    this.reason = reason;
    this.snippet = snippet;
  }
}

/** No HTTP response: connection refused or reset, DNS, TLS, CORS, timeout, or the call was aborted. */
export class TransportError extends TailnetError {
  readonly timedOut: boolean;
  readonly aborted: boolean;

  constructor(message: string, options: { timedOut?: boolean; aborted?: boolean; cause?: unknown } = {}) {
    super("transport", message, options.cause === undefined ? undefined : { cause: options.cause });
    this.timedOut = options.timedOut ?? false;
    this.aborted = options.aborted ?? false;
  }
}

/** A bug in tailnet (a Rust panic was caught); the module was reset and stays usable. */
export class InternalError extends TailnetError {
  constructor(message: string) {
    super("internal", message);
  }
}

/** How a policy document failed: `parse` (not HuJSON), `not_an_object` (the top level is not an
 * object), `path` (the path does not fit the document, or is not an array of keys), `value` (the
 * value cannot be written as JSON). */
export type PolicyEditVariant = "parse" | "not_an_object" | "path" | "value";

/** A policy document could not be parsed or edited. `path` is the path of the failed edit
 * (undefined for a parse error), `reason` why, `variant` what kind of failure. */
export class PolicyEditError extends TailnetError {
  readonly variant: PolicyEditVariant;
  readonly path: string[] | undefined;
  readonly reason: string;

  constructor(variant: PolicyEditVariant, reason: string, options: { path?: string[]; message?: string } = {}) {
    super("policy", options.message ?? reason);
    this.variant = variant;
    this.path = options.path;
    this.reason = reason;
  }
}

/** Why a webhook delivery was rejected. */
export type WebhookRejection = "missing" | "malformed" | "stale" | "future" | "mismatch" | "empty_secret" | "invalid_body";

export interface WebhookErrorDetails {
  /** `malformed` and `invalid_body`: what is wrong. */
  detail?: string;
  /** `stale`: how old the signature is. */
  ageSeconds?: number;
  /** `future`: how far ahead the signature's timestamp is. */
  aheadSeconds?: number;
  /** `stale` and `future`: the tolerance it exceeded. */
  toleranceSeconds?: number;
}

/** A webhook delivery was rejected: `reason` is `missing` (no signature header), `malformed`,
 * `stale` (older than the tolerance: a replay?), `future`, `mismatch` (tampered body or wrong
 * secret), `empty_secret` or `invalid_body` (not a JSON array of events). Never carries the
 * secret or the expected signature. */
export class WebhookVerificationError extends TailnetError {
  readonly reason: WebhookRejection;
  readonly detail: string | undefined;
  readonly ageSeconds: number | undefined;
  readonly aheadSeconds: number | undefined;
  readonly toleranceSeconds: number | undefined;

  constructor(reason: WebhookRejection, message: string, details: WebhookErrorDetails = {}) {
    super("webhook", message);
    this.reason = reason;
    this.detail = details.detail;
    this.ageSeconds = details.ageSeconds;
    this.aheadSeconds = details.aheadSeconds;
    this.toleranceSeconds = details.toleranceSeconds;
  }
}

const POLICY_VARIANTS: readonly string[] = ["parse", "not_an_object", "path", "value"];
const WEBHOOK_REJECTIONS: readonly string[] = ["missing", "malformed", "stale", "future", "mismatch", "empty_secret", "invalid_body"];

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

const API_ERROR_CLASSES: Record<string, typeof ApiError> = {
  ApiError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  PreconditionFailedError,
  RateLimitError,
  ServerError,
};

/** The `ApiError` subclass the core names for an error (`tailnet::error::api_error_class`). */
export function apiErrorClass(name: unknown): typeof ApiError {
  return (typeof name === "string" && Object.hasOwn(API_ERROR_CLASSES, name) ? API_ERROR_CLASSES[name] : undefined) ?? ApiError;
}

type Detail = Record<string, unknown>;

function text(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

/** Maps an error thrown by the wasm module (`TailnetNativeError` with `kind` and `detail`). */
export function fromNative(kind: string, detailText: string, display: string): TailnetError {
  let detail: Detail = {};
  try {
    const parsed: unknown = JSON.parse(detailText);
    if (parsed && typeof parsed === "object") detail = parsed as Detail;
  } catch {
    // keep the display text only
  }
  switch (kind) {
    case "build":
      return new BuildError(text(detail.parameter, "?"), text(detail.reason, display), display);
    case "api": {
      const status = typeof detail.status === "number" ? detail.status : 0;
      const data = detail.data as { kind?: string; value?: unknown } | undefined;
      const retry = detail.retryAfter as { seconds?: number; atUnixSeconds?: number } | undefined;
      let retryAfter: number | undefined;
      let retryAfterAt: Date | undefined;
      if (retry && typeof retry.seconds === "number") retryAfter = retry.seconds;
      if (retry && typeof retry.atUnixSeconds === "number") {
        retryAfterAt = new Date(retry.atUnixSeconds * 1000);
        retryAfter = Math.max(0, retry.atUnixSeconds - Date.now() / 1000);
      }
      const Class = apiErrorClass(detail.errorClass);
      return new Class({
        status,
        message: text(detail.message),
        data: data?.value,
        dataKind: data?.kind === "aclTests" || data?.kind === "other" ? data.kind : undefined,
        retryAfter,
        retryAfterAt,
        body: typeof detail.body === "string" ? detail.body : undefined,
        requiredScope: typeof detail.requiredScope === "string" ? detail.requiredScope : undefined,
        code: typeof detail.code === "string" ? detail.code : undefined,
        display,
      });
    }
    case "decode":
      return new DecodeError(
        typeof detail.status === "number" ? detail.status : 0,
        text(detail.path, "."),
        text(detail.reason, display),
        text(detail.snippet),
        display,
      );
    case "transport":
      return new TransportError(text(detail.message, display), { timedOut: detail.timedOut === true });
    case "policy": {
      const variant = text(detail.variant);
      const path = Array.isArray(detail.path) ? detail.path.map(String) : undefined;
      return new PolicyEditError(POLICY_VARIANTS.includes(variant) ? (variant as PolicyEditVariant) : "path", text(detail.reason, display), {
        path,
        message: display,
      });
    }
    case "webhook": {
      const reason = text(detail.reason);
      if (!WEBHOOK_REJECTIONS.includes(reason)) return new InternalError(display);
      return new WebhookVerificationError(reason as WebhookRejection, display, {
        detail: typeof detail.detail === "string" ? detail.detail : undefined,
        ageSeconds: numberOrUndefined(detail.ageSeconds),
        aheadSeconds: numberOrUndefined(detail.aheadSeconds),
        toleranceSeconds: numberOrUndefined(detail.toleranceSeconds),
      });
    }
    default:
      return new InternalError(display);
  }
}
