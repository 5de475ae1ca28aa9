// workerd: a Worker whose fetch handler runs the smoke test against `?api=<fake URL>`. Bundled
// by esbuild with the `workerd` export condition (as wrangler does); the .wasm stays a module of
// its own (workerd.capnp), which the runtime compiles ahead of time.
import * as tailnet from "tailnet";
import { smoke } from "./smoke.mjs";

export default {
  async fetch(request) {
    const url = new URL(request.url).searchParams.get("api");
    try {
      return new Response(`workerd: ${await smoke(tailnet, url)}`);
    } catch (error) {
      return new Response(`workerd: FAILED: ${error && error.stack ? error.stack : error}`, { status: 500 });
    }
  },
};
