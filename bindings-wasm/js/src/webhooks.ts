// Webhook deliveries: verify the signature, get the events.
//
// Tailscale signs each delivery in `Tailscale-Webhook-Signature: t=<unix seconds>,v1=<hex>`: an
// HMAC-SHA256 over `"<t>.<raw body>"` keyed by the endpoint's secret (several `v1=` while a secret
// is rotated). The core checks it in constant time and rejects timestamps further than the
// tolerance from `now` (both ways); it reads no clock, so `now` comes from here. Pass the raw
// body exactly as received. The secret never appears in an error.

import { native } from "./native.js";
import { guard } from "./guard.js";
import { BuildError, WebhookVerificationError } from "./errors.js";
import type { WebhookEvent } from "./generated.js";
import type { VerifyOptions } from "./types.js";

/** `Tailscale-Webhook-Signature`: the header that carries the signature. */
export const SIGNATURE_HEADER: string = guard(() => native.webhookSignatureHeader());
/** Default tolerance, in seconds, between the signature's timestamp and `now` (300). */
export const DEFAULT_TOLERANCE_SECONDS: number = guard(() => native.webhookDefaultTolerance());

/** The raw body of a delivery, exactly as received (a Node `Buffer` is a `Uint8Array`). */
export type WebhookBody = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** The signature header's value, or the request's headers: a `Headers`, Node's
 * `IncomingHttpHeaders` (any case), or `[name, value]` pairs. */
export type SignatureSource =
  | string
  | null
  | undefined
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>
  | [string, string][];

const encoder = new TextEncoder();

/** The signature header's value from a header value or headers (`undefined` when absent).
 * Several occurrences are joined with `,` (the core then rejects the ambiguous header). */
export function signatureHeader(source: SignatureSource): string | undefined {
  if (source === null || source === undefined) return undefined;
  if (typeof source === "string") return source;
  const wanted = SIGNATURE_HEADER.toLowerCase();
  if (typeof (source as { get?: unknown }).get === "function" && !Array.isArray(source)) {
    const value = (source as { get(name: string): string | null }).get(SIGNATURE_HEADER);
    return value ?? undefined;
  }
  const values: string[] = [];
  const entries: [string, unknown][] = Array.isArray(source) ? source : Object.entries(source);
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length < 2) throw new BuildError("headers", "must be a header value, a Headers, an object of headers or [name, value] pairs");
    const [name, value] = entry;
    if (String(name).trim().toLowerCase() !== wanted) continue;
    if (Array.isArray(value)) values.push(...value.map(String));
    else if (value !== undefined && value !== null) values.push(String(value));
  }
  return values.length > 0 ? values.join(",") : undefined;
}

function bytesOf(body: unknown): Uint8Array {
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new WebhookVerificationError("invalid_body", "the body must be the raw delivery: a string, Uint8Array or ArrayBuffer", {
    detail: `got ${body === null ? "null" : typeof body}`,
  });
}

function secretOf(secret: unknown): string {
  if (typeof secret !== "string") throw new BuildError("secret", "the webhook secret must be a string");
  return secret;
}

function seconds(name: string, value: unknown): number {
  const number = value instanceof Date ? value.getTime() / 1000 : value;
  if (typeof number !== "number" || !Number.isFinite(number) || number < 0) {
    throw new BuildError(name, "must be a non-negative number of seconds");
  }
  return Math.floor(number);
}

function events(json: string): WebhookEvent[] {
  return JSON.parse(json) as WebhookEvent[];
}

/**
 * Verifies a delivery and returns its events.
 *
 * `headers`: the request's headers (the signature header is found whatever its case) or the
 * header's value. `body`: the raw body, exactly as received. `now` defaults to the clock.
 * Throws a `WebhookVerificationError` whose `reason` is `missing`, `malformed`, `stale`,
 * `future`, `mismatch`, `empty_secret` or `invalid_body`.
 *
 * ```ts
 * const events = webhooks.verify(request.headers, rawBody, process.env.WEBHOOK_SECRET!);
 * ```
 */
export function verify(headers: SignatureSource, body: WebhookBody, secret: string, options: VerifyOptions = {}): WebhookEvent[] {
  const header = signatureHeader(headers);
  const raw = bytesOf(body);
  const key = secretOf(secret);
  const now = seconds("now", options.now ?? Date.now() / 1000);
  const tolerance = seconds("toleranceSeconds", options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
  return events(guard(() => native.webhookVerify(header, raw, key, now, tolerance)));
}

/** Parses a delivery's body (a JSON array of events) WITHOUT verifying it. */
export function parseEvents(body: WebhookBody): WebhookEvent[] {
  const raw = bytesOf(body);
  return events(guard(() => native.webhookParseEvents(raw)));
}

/** The signature header value Tailscale would send for `body` at `timestamp` (Unix seconds), for
 * tests and fakes: `t=<timestamp>,v1=<hex>`. */
export function sign(body: WebhookBody, secret: string, timestamp: number | Date): string {
  const raw = bytesOf(body);
  const key = secretOf(secret);
  const at = seconds("timestamp", timestamp);
  return guard(() => native.webhookSign(raw, key, at));
}
