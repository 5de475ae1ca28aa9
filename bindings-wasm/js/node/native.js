// The WebAssembly core, initialized: the Node variant of `src/native.ts` (same exports). The
// module is compiled synchronously from the file next to the package's `dist/`.
import { readFileSync } from "node:fs";
import * as glue from "./tailnet_wasm.js";

glue.initSync({ module: readFileSync(new URL("../tailnet_wasm_bg.wasm", import.meta.url)) });

export const native = glue;
export const sendUserAgent = true;
