// The WebAssembly core, initialized. This is the browser (and default) variant: it fetches the
// .wasm next to the package's `dist/` with `new URL(…, import.meta.url)` (bundlers such as Vite
// rewrite that URL; see the README for esbuild). The Node variant (`js/node/native.js`) reads the
// file with `node:fs` instead. Both export the same names.
import init, * as glue from "./tailnet_wasm.js";

await init({ module_or_path: new URL("../tailnet_wasm_bg.wasm", import.meta.url) });

export const native = glue;
/** Browsers refuse a script-set `User-Agent`; setting one would only cost a CORS preflight header. */
export const sendUserAgent = false;
