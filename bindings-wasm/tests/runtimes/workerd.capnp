# workerd configuration for the smoke test (scripts/smoke-dist.sh fills in PORT): one Worker made
# of the esbuild bundle and the package's .wasm, allowed to reach the fake tailnet on loopback.
# Module names are paths: the bundle keeps the package's `import … from "../tailnet_wasm_bg.wasm"`
# (dist/workerd/native.js), so the bundle sits at dist/workerd/ and the .wasm at dist/.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .smokeWorker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:PORT", http = (), service = "main")],
);

const smokeWorker :Workerd.Worker = (
  modules = [
    (name = "dist/workerd/worker.js", esModule = embed "worker.js"),
    (name = "dist/tailnet_wasm_bg.wasm", wasm = embed "tailnet_wasm_bg.wasm"),
  ],
  compatibilityDate = "2026-11-01",
  globalOutbound = "loopback",
);
