// The npm package `tailnet`: the Tailscale API v2 through the tailnet core compiled to WebAssembly.
export { Client, buildRequest, parseResponse, operations, redact, userAgent, __testPanic } from "./client.js";
export type { BuildOptions } from "./client.js";
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
} from "./errors.js";
export type { AclTestFailure, ApiErrorDetails } from "./errors.js";
export { OPERATION_IDS } from "./generated.js";
export type * from "./generated.js";
export type * from "./types.js";
