// Policy files: the core's lossless HuJSON document (comments, key order and every untouched byte
// kept), and the core's decision of a safe read-modify-write (`Client.updatePolicyFile` is the
// loop). A document holds only its text; each operation hands it to the core and takes back the
// edited text, so no WebAssembly object is kept alive.

import { native } from "./native.js";
import { guard } from "./guard.js";
import { PolicyEditError } from "./errors.js";
import type { PolicyFile, PolicyView, SetPolicyFileParams } from "./generated.js";
import type { PolicyWriteOptions } from "./types.js";

/** A path in a policy document: object keys, and array indices as numbers or decimal strings.
 * Never a dotted string: keys such as `tag:ci` or `db.example.com` contain colons and dots. */
export type PolicyPath = readonly (string | number)[];

const PATH_USAGE = 'a policy path is an array of keys, e.g. ["tagOwners", "tag:ci"] or ["acls", 0, "src"]';

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The path as the core takes it: an array of strings. */
function keysOf(path: unknown): string[] {
  if (typeof path === "string") {
    throw new PolicyEditError("path", `${PATH_USAGE}, not a string (keys contain dots and colons, so a dotted string would be ambiguous)`);
  }
  if (!Array.isArray(path)) throw new PolicyEditError("path", `${PATH_USAGE}, not ${typeName(path)}`);
  return path.map((segment: unknown) => {
    if (typeof segment === "string") return segment;
    if (typeof segment === "number" && Number.isSafeInteger(segment) && segment >= 0) return String(segment);
    throw new PolicyEditError("path", `${PATH_USAGE}: a key is a string and an index a non-negative integer, not ${typeName(segment)}`);
  });
}

function valueJson(keys: string[], value: unknown): string {
  const fail = (reason: string) => new PolicyEditError("value", reason, { path: keys, message: `cannot edit ${JSON.stringify(keys)}: ${reason}` });
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw fail(`the value cannot be written as JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw fail(`the value cannot be written as JSON (${typeName(value)})`);
  return json;
}

/**
 * A policy file as HuJSON text (JSON with comments and trailing commas), edited by path and
 * written back with every comment, key order and untouched byte preserved.
 *
 * ```ts
 * const doc = new PolicyDocument(current.policy);
 * doc.set(["tagOwners", "tag:ci"], ["group:ops"]);
 * doc.push(["acls"], { action: "accept", src: ["group:ops"], dst: ["tag:ci:22"] });
 * doc.remove(["hosts", "old-db"]);
 * ```
 */
export class PolicyDocument {
  #text: string;

  /** Parses HuJSON text; the text is kept byte for byte. Throws a `PolicyEditError` (`parse`,
   * `not_an_object`). */
  constructor(text: string) {
    if (typeof text !== "string") throw new PolicyEditError("parse", `a policy document is made from HuJSON text, not ${typeName(text)}`);
    guard(() => native.policyParse(text));
    this.#text = text;
  }

  /** Same as `new PolicyDocument(text)`. */
  static parse(text: string): PolicyDocument {
    return new PolicyDocument(text);
  }

  /** The HuJSON text, comments and formatting included. */
  get text(): string {
    return this.#text;
  }

  toString(): string {
    return this.#text;
  }

  /** The document as plain JSON (comments dropped); also what `JSON.stringify(doc)` writes. */
  toJSON(): Record<string, unknown> {
    return JSON.parse(guard(() => native.policyToJson(this.#text))) as Record<string, unknown>;
  }

  /** A copy of the value at `path`, or `undefined` when there is none. */
  get(path: PolicyPath): unknown {
    const keys = JSON.stringify(keysOf(path));
    const json = guard(() => native.policyGet(this.#text, keys));
    return json === undefined ? undefined : (JSON.parse(json) as unknown);
  }

  /** Sets the value at `path`, creating missing objects on the way; other bytes stay as they are. */
  set(path: PolicyPath, value: unknown): void {
    const keys = keysOf(path);
    const json = valueJson(keys, value);
    this.#text = guard(() => native.policySet(this.#text, JSON.stringify(keys), json));
  }

  /** Appends `value` to the array at `path`, creating the array when it is missing. */
  push(path: PolicyPath, value: unknown): void {
    const keys = keysOf(path);
    const json = valueJson(keys, value);
    this.#text = guard(() => native.policyPush(this.#text, JSON.stringify(keys), json));
  }

  /** Removes the value at `path`; returns whether there was one. */
  remove(path: PolicyPath): boolean {
    const keys = JSON.stringify(keysOf(path));
    const edited = guard(() => native.policyRemove(this.#text, keys));
    if (edited === undefined) return false;
    this.#text = edited;
    return true;
  }

  /** True when the policy has `acls` or `grants`; a policy with neither allows all traffic. */
  hasAccessRules(): boolean {
    return guard(() => native.policyHasAccessRules(this.#text));
  }

  /** The well-known sections, typed (unknown sections and fields kept as they are). Throws a
   * `PolicyEditError` when a known section has an unexpected shape. */
  view(): PolicyView {
    return JSON.parse(guard(() => native.policyView(this.#text))) as PolicyView;
  }

  /** An independent copy. */
  clone(): PolicyDocument {
    return new PolicyDocument(this.#text);
  }

  /** Same text, byte for byte. */
  equals(other: PolicyDocument): boolean {
    return other instanceof PolicyDocument && other.#text === this.#text;
  }
}

/** What to do after an edit: nothing, or this conditional `setPolicyFile`. */
export type PolicyWrite = { kind: "unchanged" } | { kind: "write"; params: SetPolicyFileParams };

/**
 * The core's decision after an edit (sans-IO; `Client.updatePolicyFile` uses it): `unchanged`
 * when the edit changed nothing; otherwise the `setPolicyFile` parameters with `If-Match` set to
 * the ETag read (or `"ts-default"` with `replaceDefaultOnly`). Throws a `BuildError` naming
 * `policy` for a policy with neither `acls` nor `grants` (allow-all) unless `allowAllowAll`, and
 * naming `If-Match` when `current` has no ETag.
 */
export function preparePolicyWrite(current: PolicyFile, edited: PolicyDocument, options: PolicyWriteOptions = {}): PolicyWrite {
  if (!(edited instanceof PolicyDocument)) throw new PolicyEditError("parse", "`edited` must be a PolicyDocument");
  const policy = current.policy;
  const etag = current.etag ?? undefined;
  const params = guard(() =>
    native.policyPrepareWrite(policy, etag, edited.text, options.allowAllowAll === true, options.replaceDefaultOnly === true),
  );
  if (params === undefined) return { kind: "unchanged" };
  return { kind: "write", params: JSON.parse(params) as SetPolicyFileParams };
}

/** `"ts-default"` (quoted): the `If-Match` that only replaces a tailnet's untouched default policy. */
export const TS_DEFAULT_ETAG: string = guard(() => native.policyDefaultEtag());
