// The client loop. The core (WebAssembly) decides everything: credentials and OAuth tokens,
// retries and their delays, rate limiting, what a response means. This module only calls `fetch`
// with what the core built and sleeps as long as the core says.

import { native, sendUserAgent } from "./native.js";
import { OPERATION_IDS, type OperationId, type OperationMethods, type OperationTypes, type PolicyFile } from "./generated.js";
import { BuildError, TransportError } from "./errors.js";
import { checkGeneration, currentGeneration, guard } from "./guard.js";
import { PolicyDocument } from "./policy.js";
import type {
  BaseClientOptions,
  CallOptions,
  ClientOptions,
  FetchInit,
  FetchLike,
  HeadersInput,
  HttpRequestParts,
  HttpResponseParts,
  OAuthOptions,
  Observation,
  OperationInfo,
  ResponseLike,
  RetryOptions,
  UpdatePolicyFileOptions,
  WorkloadIdentityOptions,
} from "./types.js";

type NativeSession = InstanceType<typeof native.Session>;
type NativePolicyUpdate = InstanceType<typeof native.PolicyUpdate>;
type NativeMachine = InstanceType<typeof native.Call> | NativePolicyUpdate;

const DEFAULT_TIMEOUT_MS = 30_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ----- JSON in, JSON out ------------------------------------------------------------------------------

function paramsJson(params: unknown): string {
  if (params === undefined || params === null) return "{}";
  if (typeof params !== "object" || Array.isArray(params)) {
    throw new BuildError("params", `expected an object of parameters, got ${Array.isArray(params) ? "an array" : typeof params}`);
  }
  try {
    return JSON.stringify(params);
  } catch (error) {
    throw new BuildError("params", `cannot be sent as JSON: ${(error as Error).message}`);
  }
}

/** The result: the core's JSON text, or — when the core answers `undefined` (its typed parse
 * validated the body and changed nothing) — the response body itself, parsed once. */
function resultOf(json: string | undefined, body: Uint8Array | undefined): unknown {
  if (json === undefined) return JSON.parse(decoder.decode(body));
  return json === "null" ? undefined : JSON.parse(json);
}

function flatHeaders(headers: HeadersInput | undefined): string[] {
  const flat: string[] = [];
  if (!headers) return flat;
  if (Array.isArray(headers)) {
    for (const [name, value] of headers) flat.push(String(name), String(value));
  } else if (typeof (headers as { forEach?: unknown }).forEach === "function") {
    (headers as { forEach(cb: (value: string, name: string) => void): void }).forEach((value, name) => {
      flat.push(name, value);
    });
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string>)) flat.push(name, String(value));
  }
  return flat;
}

function bytesOf(body: string | Uint8Array | ArrayBuffer | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  return new Uint8Array(body);
}

// ----- options ----------------------------------------------------------------------------------------

/** The core's `ClientOptions` as JSON (camelCase); what is left out takes the core's default. */
type NativeAuth =
  | { kind: "none" }
  | { kind: "apiKey"; apiKey: string; basic: boolean }
  | { kind: "accessToken"; accessToken: string }
  | { kind: "oauth"; clientId: string; clientSecret: string; scopes: string[] }
  | { kind: "workloadIdentity"; clientId: string; idToken: string };

interface NativeOptions {
  baseUrl?: string;
  tailnet?: string;
  userAgent?: string;
  auth: NativeAuth;
  retry?: RetryOptions;
  rateLimit?: { perSecond: number; burst?: number };
  maxResponseBytes?: number;
  observe?: boolean;
}

function nativeOptions(options: BaseClientOptions, auth: NativeAuth): NativeOptions {
  const { baseUrl, tailnet, userAgent, rateLimit, maxResponseBytes } = options;
  const retry = options.retry === false ? { maxAttempts: 1 } : options.retry;
  return { baseUrl, tailnet, userAgent, auth, retry, rateLimit, maxResponseBytes, observe: options.observer !== undefined };
}

function staticAuth(options: ClientOptions): NativeAuth {
  if (options.accessToken !== undefined) return { kind: "accessToken", accessToken: options.accessToken };
  if (options.apiKey !== undefined) return { kind: "apiKey", apiKey: options.apiKey, basic: options.basicAuth === true };
  return { kind: "none" };
}

// ----- the transport ----------------------------------------------------------------------------------

type Outcome =
  | { ok: true; status: number; headers: string[]; body: Uint8Array }
  | { ok: false; message: string; maybeSent: boolean; timedOut: boolean };

/** Errors whose code proves the request never reached the server. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

function describe(error: unknown): { message: string; code?: string } {
  const e = error as { message?: unknown; code?: unknown; cause?: { message?: unknown; code?: unknown } } | null;
  const message = e && typeof e.message === "string" ? e.message : String(error);
  const code = typeof e?.cause?.code === "string" ? e.cause.code : typeof e?.code === "string" ? e.code : undefined;
  const cause = e?.cause && typeof e.cause.message === "string" ? e.cause.message : undefined;
  return { message: cause && cause !== message ? `${message} (${cause})` : message, code };
}

class TooLarge extends Error {}

async function readCapped(response: ResponseLike, limit: number): Promise<Uint8Array> {
  const reader = response.body && typeof response.body.getReader === "function" ? response.body.getReader() : undefined;
  if (!reader) {
    const whole = new Uint8Array(await response.arrayBuffer());
    if (whole.byteLength > limit) throw new TooLarge();
    return whole;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function aborted(signal: AbortSignal): TransportError {
  return new TransportError("the call was aborted", { aborted: true, cause: signal.reason });
}

// ----- the client -------------------------------------------------------------------------------------

/** The parameters object of an operation, by `operationId` (wire names). */
export type ParamsOf<K extends OperationId> = OperationTypes[K]["params"];
/** The result of an operation, by `operationId`. */
export type ResultOf<K extends OperationId> = OperationTypes[K]["result"];

/**
 * The Tailscale API v2: one async method per operation, named by its `operationId`
 * (`listTailnetDevices`, `setDeviceTags`, …), taking one parameter object (wire names) and
 * resolving to the result as the API spells it (camelCase). Errors are `TailnetError`s.
 *
 * ```ts
 * const client = new Client({ apiKey: "tskey-api-…" });
 * const { devices } = await client.listTailnetDevices({ fields: "all" });
 * ```
 */
export class Client {
  readonly #options: NativeOptions;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #observer: ((observation: Observation) => void) | undefined;
  #session: NativeSession | undefined;
  #sessionGeneration = -1;
  #maxResponseBytes = 0;

  /** The credentials of the client `fromOAuth`/`fromWorkloadIdentity` is constructing. */
  static #factoryAuth: NativeAuth | undefined;

  constructor(options: ClientOptions = {}) {
    const auth = Client.#factoryAuth ?? staticAuth(options);
    Client.#factoryAuth = undefined;
    this.#options = nativeOptions(options, auth);
    const fetchImpl = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (typeof fetchImpl !== "function") {
      throw new BuildError("fetch", "no fetch function: pass one as `fetch`");
    }
    this.#fetch = options.fetch ?? ((input, init) => (globalThis as unknown as { fetch: FetchLike }).fetch(input, init));
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(typeof timeout === "number" && timeout >= 0)) throw new BuildError("timeoutMs", "must be a non-negative number");
    this.#timeoutMs = timeout;
    if (options.observer !== undefined && typeof options.observer !== "function") throw new BuildError("observer", "must be a function");
    this.#observer = options.observer;
    this.#currentSession(); // validates the options now
  }

  /** A client with OAuth client credentials (tokens fetched, shared and refreshed automatically). */
  static fromOAuth(options: OAuthOptions): Client {
    return Client.#withAuth(options, { kind: "oauth", clientId: options.clientId, clientSecret: options.clientSecret, scopes: options.scopes ?? [] });
  }

  /** A client with workload identity federation (an OIDC ID token exchanged for access tokens). */
  static fromWorkloadIdentity(options: WorkloadIdentityOptions): Client {
    return Client.#withAuth(options, { kind: "workloadIdentity", clientId: options.clientId, idToken: options.idToken });
  }

  static #withAuth(options: BaseClientOptions, auth: NativeAuth): Client {
    Client.#factoryAuth = auth;
    try {
      return new Client(options);
    } finally {
      Client.#factoryAuth = undefined;
    }
  }

  /** OAuth token requests made so far. */
  get tokenFetches(): number {
    return guard(() => this.#currentSession().tokenFetches);
  }

  /** Replaces the OIDC ID token of a workload-identity client (tokens expire). */
  setIdToken(idToken: string): void {
    if (this.#options.auth.kind === "workloadIdentity") this.#options.auth.idToken = idToken;
    guard(() => this.#currentSession().setIdToken(idToken));
  }

  #currentSession(): NativeSession {
    if (!this.#session || this.#sessionGeneration !== currentGeneration()) {
      const options = JSON.stringify(this.#options);
      const session = guard(() => new native.Session(options, Math.floor(Math.random() * 2 ** 52)));
      this.#session = session;
      this.#sessionGeneration = currentGeneration();
      this.#maxResponseBytes = guard(() => session.maxResponseBytes);
    }
    return this.#session;
  }

  /** Calls any operation by `operationId` (the methods do exactly this). */
  async call<K extends OperationId>(operationId: K, params?: ParamsOf<K>, options: CallOptions = {}): Promise<ResultOf<K>> {
    const json = paramsJson(params);
    return (await this.#drive(() => new native.Call(operationId, json), options.signal)) as ResultOf<K>;
  }

  /**
   * Safe read-modify-write of the policy file: GET (HuJSON with its ETag) → `edit(document)` (sync
   * or async; mutate the `PolicyDocument`, comments and formatting are kept) → POST with
   * `If-Match`. When another writer won (412), re-read and re-apply the edit, up to `maxAttempts`
   * reads, then the `PreconditionFailedError`. The core decides the write: nothing when the edit
   * changed nothing (the current file is returned), `If-Match` with the ETag read (or
   * `"ts-default"` with `replaceDefaultOnly`), and a `BuildError` naming `policy` for a policy
   * with neither `acls` nor `grants` (allow-all) unless `allowAllowAll`. Errors thrown by `edit`
   * propagate as they are; nothing is written.
   *
   * ```ts
   * await client.updatePolicyFile((doc) => doc.set(["tagOwners", "tag:ci"], ["group:ops"]));
   * ```
   */
  async updatePolicyFile(edit: (document: PolicyDocument) => unknown, options: UpdatePolicyFileOptions = {}): Promise<PolicyFile> {
    if (typeof edit !== "function") throw new BuildError("edit", "must be a function that edits the PolicyDocument");
    const { maxAttempts, allowAllowAll, replaceDefaultOnly } = options;
    const json = JSON.stringify({ maxAttempts, allowAllowAll, replaceDefaultOnly });
    const onEdit = async (text: string) => {
      const document = new PolicyDocument(text);
      await edit(document);
      return document.text;
    };
    return (await this.#drive(() => new native.PolicyUpdate(json), options.signal, onEdit)) as PolicyFile;
  }

  /** The client loop, for a core `Call` or `PolicyUpdate`: send what it asks, sleep as long as it
   * says, hand a document to `onEdit` when it asks for the edit (`PolicyUpdate` only). */
  async #drive(start: () => NativeMachine, signal: AbortSignal | undefined, onEdit?: (text: string) => Promise<string>): Promise<unknown> {
    const session = this.#currentSession();
    const created = currentGeneration();
    const machine = guard(start);
    let lastBody: Uint8Array | undefined;
    try {
      for (;;) {
        checkGeneration(created);
        if (signal?.aborted) throw aborted(signal);
        const step = guard(() => machine.poll(session, performance.now())) as unknown[];
        this.#report(machine);
        if (step[0] === 2) return resultOf(step[1] as string | undefined, lastBody);
        if (step[0] === 1) {
          await sleep(step[1] as number, signal);
          continue;
        }
        if (step[0] === 3 && onEdit) {
          const edited = await onEdit(step[1] as string);
          checkGeneration(created);
          guard(() => (machine as NativePolicyUpdate).edited(edited));
          continue;
        }
        const outcome = await this.#send(step, signal);
        checkGeneration(created);
        if (outcome.ok) {
          lastBody = outcome.body;
          guard(() => machine.onResponse(session, outcome.status, outcome.headers, outcome.body, performance.now(), Date.now()));
        } else {
          guard(() => machine.onTransportError(session, outcome.message, outcome.maybeSent, outcome.timedOut, performance.now(), Date.now()));
        }
        this.#report(machine);
      }
    } finally {
      if (created === currentGeneration()) {
        try {
          machine.free();
        } catch {
          // already freed
        }
      }
    }
  }

  /** Hands the core's observations (secrets masked) to the observer; what it throws is ignored. */
  #report(machine: NativeMachine): void {
    if (!this.#observer) return;
    const observations = JSON.parse(guard(() => machine.takeObservations())) as Observation[];
    for (const observation of observations) {
      try {
        this.#observer(observation);
      } catch {
        // an observer must not break the call
      }
    }
  }

  /** Sends one request the core built and reads the whole response (up to the size cap). */
  async #send(step: unknown[], signal: AbortSignal | undefined): Promise<Outcome> {
    const method = step[1] as string;
    const url = step[2] as string;
    const flat = step[3] as string[];
    const body = step[4] as Uint8Array | undefined;
    const headers: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (!sendUserAgent && flat[i] === "user-agent") continue;
      headers.push([flat[i]!, flat[i + 1]!]);
    }
    const controller = new AbortController();
    let timedOut = false;
    const timer =
      this.#timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort(new TransportError(`request timed out after ${this.#timeoutMs} ms`, { timedOut: true }));
          }, this.#timeoutMs)
        : undefined;
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const init: FetchInit = { method, headers, signal: controller.signal };
    if (body !== undefined) init.body = decoder.decode(body);
    let sent = false;
    try {
      const response = await this.#fetch(url, init);
      sent = true;
      const responseHeaders: string[] = [];
      response.headers.forEach((value, name) => {
        responseHeaders.push(name, value);
      });
      const limit = this.#maxResponseBytes;
      const length = Number(responseHeaderValue(responseHeaders, "content-length"));
      if (Number.isFinite(length) && length > limit) throw new TooLarge();
      const bytes = await readCapped(response, limit);
      return { ok: true, status: response.status, headers: responseHeaders, body: bytes };
    } catch (error) {
      if (signal?.aborted) throw aborted(signal);
      if (timedOut) return { ok: false, message: `request timed out after ${this.#timeoutMs} ms`, maybeSent: true, timedOut: true };
      if (error instanceof TooLarge) {
        return { ok: false, message: `response larger than the ${this.#maxResponseBytes} byte limit`, maybeSent: true, timedOut: false };
      }
      const { message, code } = describe(error);
      const neverLeft = !sent && code !== undefined && NOT_SENT.has(code);
      return { ok: false, message: `${method} ${url}: ${message}`, maybeSent: !neverLeft, timedOut: false };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

function responseHeaderValue(flat: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i]!.toLowerCase() === name) return flat[i + 1];
  return undefined;
}

// One method per operation, stamped from the registry's list (declared by `OperationMethods`).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface Client extends OperationMethods {}
for (const id of OPERATION_IDS) {
  Object.defineProperty(Client.prototype, id, {
    value: function (this: Client, params?: unknown, options?: CallOptions) {
      return this.call(id, params as never, options);
    },
    writable: true,
    configurable: true,
  });
}

// ----- sans-IO ------------------------------------------------------------------------------------------

/** Options of `buildRequest`: where the request goes and its static credentials. */
export interface BuildOptions {
  baseUrl?: string;
  tailnet?: string;
  apiKey?: string;
  basicAuth?: boolean;
  accessToken?: string;
  userAgent?: string;
}

/** Builds the HTTP request of any operation without sending it. */
export function buildRequest<K extends OperationId>(operationId: K, params?: ParamsOf<K>, options: BuildOptions = {}): HttpRequestParts {
  const json = paramsJson(params);
  const { baseUrl, tailnet, userAgent } = options;
  const built = { baseUrl, tailnet, userAgent, auth: staticAuth(options) };
  const parts = guard(() => native.buildRequest(operationId, json, JSON.stringify(built))) as unknown[];
  const flat = parts[2] as string[];
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!;
    headers[name] = headers[name] === undefined ? flat[i + 1]! : `${headers[name]}, ${flat[i + 1]}`;
  }
  const request: HttpRequestParts = { method: parts[0] as string, url: parts[1] as string, headers };
  const body = parts[3] as Uint8Array | undefined;
  if (body !== undefined) request.body = decoder.decode(body);
  return request;
}

/** Parses an HTTP response of any operation into its result (or throws its `TailnetError`). */
export function parseResponse<K extends OperationId>(operationId: K, response: HttpResponseParts): ResultOf<K> {
  const headers = flatHeaders(response.headers);
  const body = bytesOf(response.body);
  const json = guard(() => native.parseResponse(operationId, response.status, headers, body));
  return resultOf(json, body) as ResultOf<K>;
}

let operationTable: OperationInfo[] | undefined;

/** Every operation of the core's registry (method, path, scopes, parameters, …). */
export function operations(): OperationInfo[] {
  operationTable ??= JSON.parse(guard(() => native.operations())) as OperationInfo[];
  return operationTable.map((op) => ({ ...op }));
}

/** Masks secrets (`tskey-…`, secret JSON members, form secrets) in any text, e.g. before logging. */
export function redact(text: string): string {
  return guard(() => native.redact(text));
}

/** The `User-Agent` the client sends where the platform lets it (`tailnet-js/x.y.z`). */
export function userAgent(): string {
  return guard(() => native.userAgent());
}

/** @internal Test hook: makes the core panic (the module must stay usable). */
export function __testPanic(message: string): void {
  guard(() => native.__testPanic(message));
}
