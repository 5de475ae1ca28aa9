// Every call into the WebAssembly module goes through `guard`: errors thrown by the core become
// `TailnetError`s, and a Rust panic (a trap) resets the instance so the package stays usable.

import { native } from "./native.js";
import { InternalError, TailnetError, fromNative } from "./errors.js";

/** Bumped each time the WebAssembly instance is reset after a Rust panic; objects made by an
 * earlier instance are never used again. */
let generation = 0;

/** The current instance generation (objects of an older one must not be used). */
export function currentGeneration(): number {
  return generation;
}

/** Errors the core judged a lost race (`tailnet::policy::is_lost_race`: 412 on a conditional
 * write, another writer won). */
const lostRaces = new WeakSet<object>();

/** Whether `error` means another writer changed the policy file since it was read (a 412 on a
 * conditional write): re-read, re-apply the edit, write again. The core decides. */
export function isLostRace(error: unknown): boolean {
  return typeof error === "object" && error !== null && lostRaces.has(error);
}

function takePanicMessage(): string | undefined {
  const holder = globalThis as { __tailnetPanic?: unknown };
  const message = holder.__tailnetPanic;
  delete holder.__tailnetPanic;
  return typeof message === "string" ? message : undefined;
}

function recover(): void {
  generation += 1;
  try {
    (native as unknown as { __wbg_reset_state?: () => void }).__wbg_reset_state?.();
  } catch {
    // the next call will fail loudly if the instance cannot be used
  }
}

/** Any value thrown across the boundary as a `TailnetError`. */
export function toTailnetError(error: unknown): TailnetError {
  if (error instanceof TailnetError) return error;
  const e = error as { name?: unknown; kind?: unknown; detail?: unknown; message?: unknown; lostRace?: unknown } | null;
  if (e && e.name === "TailnetNativeError" && typeof e.kind === "string") {
    const mapped = fromNative(e.kind, typeof e.detail === "string" ? e.detail : "{}", String(e.message ?? ""));
    if (e.lostRace === true) lostRaces.add(mapped);
    return mapped;
  }
  // A trap (a Rust panic aborts) or a stack overflow inside wasm: the instance must be replaced.
  const overflow = error instanceof RangeError && /call stack/i.test(error.message);
  if (error instanceof WebAssembly.RuntimeError || overflow) {
    const panic = takePanicMessage();
    recover();
    return new InternalError(`internal error (a Rust panic or trap was caught; the module was reset): ${panic ?? String((error as Error).message)}`);
  }
  const message = e && typeof e.message === "string" ? e.message : String(error);
  return new InternalError(`internal error: ${message}`);
}

export function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw toTailnetError(error);
  }
}

export function checkGeneration(created: number): void {
  if (created !== generation) {
    throw new InternalError("internal error: the WebAssembly instance was reset by a panic in another call; retry the call");
  }
}
