// The npm package `tailnet`: the Tailscale API v2 through the tailnet core compiled to WebAssembly.
export { Client, buildRequest, parseResponse, operations, redact, userAgent, __testPanic } from "./client.js";
export type { BuildOptions, ParamsOf, ResultOf } from "./client.js";
export {
  TailnetError,
  BuildError,
  ApiError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  PreconditionFailedError,
  RateLimitError,
  ServerError,
  DecodeError,
  TransportError,
  InternalError,
  PolicyEditError,
  WebhookVerificationError,
} from "./errors.js";
export type { AclTestFailure, ApiErrorDetails, PolicyEditVariant, WebhookRejection, WebhookErrorDetails } from "./errors.js";
export { PolicyDocument, preparePolicyWrite, TS_DEFAULT_ETAG } from "./policy.js";
export type { PolicyPath, PolicyWrite } from "./policy.js";
export { isLostRace } from "./guard.js";
/** Webhook deliveries: `webhooks.verify(headers, body, secret)`, `parseEvents`, `sign`. */
export * as webhooks from "./webhooks.js";
export type { SignatureSource, WebhookBody } from "./webhooks.js";
export { OPERATION_IDS } from "./generated.js";
export type * from "./generated.js";
export type * from "./types.js";
