// Benchmarks of the npm package (a benchmark, not a test: it reports, it asserts nothing).
//
//   bash bindings-wasm/build.sh && node bindings-wasm/bench/bench.mjs [path/to/pkg]
//
// 1. package size: the .wasm and the JS of the browser build, raw and gzipped (goal ≤ 150 KB gz);
// 2. the 10,000-device `fields=all` list (~14 MB, the same devices as core/benches/parse_devices.rs):
//    parseResponse (typed parse in wasm validates; JSON.parse of the body) vs TextDecoder + JSON.parse,
//    in one run (goal ≤ 1.5×);
// 3. per-call overhead: buildRequest + parseResponse of one device vs the request built by hand +
//    JSON.parse (goal ≤ 1.2×); client.getDevice() vs hand-rolled fetch + JSON.parse, both with the
//    same stubbed fetch (goal ≤ 1.2×);
// 4. module instantiation in Node: a fresh `node` importing the package, and compile/instantiate
//    of the .wasm alone.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execFileSync } from "node:child_process";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(process.argv[2] ?? join(here, "..", "pkg"));
const entry = pathToFileURL(join(pkg, "dist", "node", "index.js")).href;
const { Client, buildRequest, parseResponse } = await import(entry);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ----- 1. size ---------------------------------------------------------------------------------------
function size(files) {
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const bytes = readFileSync(f);
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gz };
}
const browserDir = join(pkg, "dist", "browser");
const wasmFile = join(pkg, "dist", "tailnet_wasm_bg.wasm");
const glue = [join(browserDir, "tailnet_wasm.js")];
const wrapper = readdirSync(browserDir).filter((f) => f.endsWith(".js") && f !== "tailnet_wasm.js").map((f) => join(browserDir, f));
const sizes = { wasm: size([wasmFile]), glue: size(glue), wrapper: size(wrapper) };
const total = { raw: sizes.wasm.raw + sizes.glue.raw + sizes.wrapper.raw, gz: sizes.wasm.gz + sizes.glue.gz + sizes.wrapper.gz };
console.log("== package size (browser build) ==");
for (const [name, s] of Object.entries(sizes)) console.log(`  ${name.padEnd(8)} raw ${kb(s.raw).padStart(10)}   gzip -9 ${kb(s.gz).padStart(9)}`);
console.log(`  ${"total".padEnd(8)} raw ${kb(total.raw).padStart(10)}   gzip -9 ${kb(total.gz).padStart(9)}   (goal ≤ 150 KB gzipped)`);

// ----- 2. 10,000 devices ----------------------------------------------------------------------------
const hex = (n, width) => n.toString(16).padStart(width, "0");
const pad = (n, w) => String(n).padStart(w, "0");
function device(i) {
  const os = ["linux", "windows", "macOS", "iOS", "android"][i % 5];
  return {
    addresses: [`100.${64 + (i % 64)}.${Math.floor(i / 256) % 256}.${i % 256}`, `fd7a:115c:a1e0::${(i + 1).toString(16)}`],
    id: String(9_000_000_000_000_000n + BigInt(i)),
    nodeId: `n${pad(i, 10)}CNTRL`,
    user: `user${i % 97}@example.com`,
    name: `host-${pad(i, 5)}.tail1234.ts.net`,
    hostname: `host-${pad(i, 5)}`,
    clientVersion: `1.${60 + (i % 20)}.${i % 7}-t1234abcd-g5678efgh`,
    updateAvailable: i % 3 === 0,
    os,
    created: `2024-${pad(1 + (i % 12), 2)}-${pad(1 + (i % 28), 2)}T${pad(i % 24, 2)}:${pad(i % 60, 2)}:${pad((i * 7) % 60, 2)}Z`,
    connectedToControl: i % 4 !== 0,
    lastSeen: `2026-11-${pad(1 + (i % 21), 2)}T${pad(i % 24, 2)}:${pad(i % 60, 2)}:00Z`,
    keyExpiryDisabled: i % 10 === 0,
    expires: `2027-${pad(1 + (i % 12), 2)}-${pad(1 + (i % 28), 2)}T00:00:00Z`,
    authorized: true,
    isExternal: i % 50 === 0,
    multipleConnections: false,
    machineKey: `mkey:${hex(i * 2_654_435_761, 64)}`,
    nodeKey: `nodekey:${hex(i * 40_503, 64)}`,
    blocksIncomingConnections: i % 9 === 0,
    enabledRoutes: i % 10 === 0 ? ["10.0.0.0/16", "192.168.1.0/24"] : [],
    advertisedRoutes: i % 10 === 0 ? ["10.0.0.0/16", "192.168.1.0/24", "0.0.0.0/0", "::/0"] : [],
    clientConnectivity: {
      endpoints: [`203.0.113.${i % 250}:41641`, `[2001:db8::${i.toString(16)}]:41641`],
      mappingVariesByDestIP: i % 6 === 0,
      latency: {
        Dallas: { latencyMs: 30.5 + (i % 13), preferred: i % 2 === 0 },
        "New York City": { latencyMs: 12.25 + (i % 7) },
        Frankfurt: { latencyMs: 95.0 + (i % 11) },
      },
      clientSupports: { hairPinning: false, ipv6: i % 2 === 0, pcp: false, pmp: false, udp: true, upnp: i % 3 === 0 },
    },
    tags: i % 3 === 0 ? ["tag:server", `tag:env-${i % 4}`] : [],
    tailnetLockError: "",
    tailnetLockKey: `tlpub:${hex(i * 97, 64)}`,
    sshEnabled: i % 5 === 0,
    postureIdentity: { serialNumbers: [`SN${pad(i, 8)}`], disabled: false },
    isEphemeral: i % 25 === 0,
    distro: { name: "ubuntu", version: "24.04", codeName: "noble" },
  };
}
const bigText = JSON.stringify({ devices: Array.from({ length: 10_000 }, (_, i) => device(i)) });
const bigBytes = new TextEncoder().encode(bigText);
const headers = { "content-type": "application/json" };
const check = parseResponse("listTailnetDevices", { status: 200, headers, body: bigBytes });
if (check.devices.length !== 10_000) throw new Error("the typed parse did not see every device");

function time(f, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    samples.push(performance.now() - t);
  }
  return median(samples);
}
// Interleaved rounds so both see the same machine load (2 shared cores).
const rounds = 5;
const pkgTimes = [];
const jsonTimes = [];
const decoder = new TextDecoder();
for (let r = 0; r < rounds; r++) {
  jsonTimes.push(time(() => JSON.parse(decoder.decode(bigBytes)), 3));
  pkgTimes.push(time(() => parseResponse("listTailnetDevices", { status: 200, headers, body: bigBytes }), 3));
}
const tPkg = median(pkgTimes);
const tJson = median(jsonTimes);
console.log(`\n== parse the 10,000-device fields=all list (${(bigBytes.length / 1e6).toFixed(1)} MB) ==`);
console.log(`  TextDecoder + JSON.parse   ${tJson.toFixed(1).padStart(8)} ms`);
console.log(`  parseResponse (package)    ${tPkg.toFixed(1).padStart(8)} ms   ratio ${(tPkg / tJson).toFixed(2)}× (goal ≤ 1.5×)`);

// ----- 3. per-call overhead ------------------------------------------------------------------------
const oneDevice = JSON.stringify(device(7));
const oneDeviceBytes = new TextEncoder().encode(oneDevice);

// 3a. sans-IO: buildRequest + parseResponse of one device vs the same request built by hand +
// TextDecoder + JSON.parse.
const buildOptions = { apiKey: "tskey-api-bench" };
function sansIo() {
  const request = buildRequest("getDevice", { deviceId: "n0000000007CNTRL" }, buildOptions);
  return [request, parseResponse("getDevice", { status: 200, headers, body: oneDeviceBytes })];
}
function byHand() {
  const request = {
    method: "GET",
    url: `https://api.tailscale.com/api/v2/device/${encodeURIComponent("n0000000007CNTRL")}`,
    headers: { authorization: "Bearer tskey-api-bench", accept: "application/json" },
  };
  return [request, JSON.parse(decoder.decode(oneDeviceBytes))];
}
function timeSync(f, n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - t) / n) * 1000; // µs per call
}
timeSync(sansIo, 2000);
timeSync(byHand, 2000);
const sPkg = [];
const sHand = [];
for (let r = 0; r < 5; r++) {
  sHand.push(timeSync(byHand, 5000));
  sPkg.push(timeSync(sansIo, 5000));
}
const uSansPkg = median(sPkg);
const uSansHand = median(sHand);
console.log(`\n== per call, sans-IO, one device (${oneDevice.length} B) ==`);
console.log(`  request by hand + JSON.parse     ${uSansHand.toFixed(1).padStart(7)} µs`);
console.log(`  buildRequest + parseResponse     ${uSansPkg.toFixed(1).padStart(7)} µs   ratio ${(uSansPkg / uSansHand).toFixed(2)}× (goal ≤ 1.2×)`);
const stubFetch = async () => new Response(oneDevice, { status: 200, headers });
const client = new Client({ apiKey: "tskey-api-bench", fetch: stubFetch });
async function handRolled(deviceId) {
  const response = await stubFetch(`https://api.tailscale.com/api/v2/device/${encodeURIComponent(deviceId)}`, {
    headers: { authorization: "Bearer tskey-api-bench", accept: "application/json" },
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return JSON.parse(await response.text());
}
async function timeCalls(f, n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) await f();
  return ((performance.now() - t) / n) * 1000; // µs per call
}
const n = 3000;
await timeCalls(() => client.getDevice({ deviceId: "n0000000007CNTRL" }), 500); // warm-up
await timeCalls(() => handRolled("n0000000007CNTRL"), 500);
const perPkg = [];
const perHand = [];
for (let r = 0; r < 5; r++) {
  perHand.push(await timeCalls(() => handRolled("n0000000007CNTRL"), n));
  perPkg.push(await timeCalls(() => client.getDevice({ deviceId: "n0000000007CNTRL" }), n));
}
const uPkg = median(perPkg);
const uHand = median(perHand);
console.log(`\n== per call, stubbed fetch, one device (${oneDevice.length} B) ==`);
console.log(`  hand-rolled fetch + JSON.parse  ${uHand.toFixed(1).padStart(7)} µs`);
console.log(`  client.getDevice (package)      ${uPkg.toFixed(1).padStart(7)} µs   ratio ${(uPkg / uHand).toFixed(2)}× (goal ≤ 1.2×)`);

// ----- 4. instantiation ------------------------------------------------------------------------------
const wasmBytes = readFileSync(wasmFile);
const compileTimes = [];
const instTimes = [];
const glueModule = await import(pathToFileURL(join(pkg, "dist", "node", "tailnet_wasm.js")).href);
for (let i = 0; i < 5; i++) {
  let t = performance.now();
  const module = await WebAssembly.compile(wasmBytes);
  compileTimes.push(performance.now() - t);
  t = performance.now();
  glueModule.__wbg_reset_state?.call(null); // warm path: instantiate from an already compiled module
  instTimes.push(performance.now() - t);
  void module;
}
const importTimes = [];
for (let i = 0; i < 5; i++) {
  const out = execFileSync(process.execPath, [
    "--input-type=module",
    "-e",
    `const t = performance.now(); await import(${JSON.stringify(entry)}); console.log(performance.now() - t);`,
  ]);
  importTimes.push(Number(String(out).trim()));
}
console.log(`\n== module instantiation in Node ${process.version} ==`);
console.log(`  fresh process: import the package (read + compile + instantiate + start)  ${median(importTimes).toFixed(1)} ms`);
console.log(`  WebAssembly.compile of the .wasm                                           ${median(compileTimes).toFixed(1)} ms`);
console.log(`  new instance from the compiled module (__wbg_reset_state)                  ${median(instTimes).toFixed(2)} ms`);
void statSync;
