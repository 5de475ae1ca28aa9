// The WebAssembly core, initialized: the Workers variant of `src/native.ts` (same exports), chosen
// by the `workerd` export condition (wrangler, workerd, miniflare). Workers cannot fetch or read
// the .wasm at run time; they import it as a module, which the platform compiles ahead of time
// (a `WebAssembly.Module`), and instantiate it synchronously.
import * as glue from "./tailnet_wasm.js";
import module from "../tailnet_wasm_bg.wasm";

glue.initSync({ module });

export const native = glue;
/** Workers send a script-set `User-Agent` as is. */
export const sendUserAgent = true;
