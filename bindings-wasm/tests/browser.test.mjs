// Headless Chromium (Debian's, driven by playwright-core) loads the browser build from a local
// static server with a plain <script type="module"> and calls the fake tailnet across origins
// (CORS); then the esbuild bundle of examples/app does the same.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join, normalize } from "node:path";
import { tmpdir } from "node:os";

import { API_KEY, Fake } from "./helpers.mjs";

const ROOT = process.env.TAILNET_WEB_ROOT; // the temp project: node_modules/tailnet, browser/, app/
const CHROMIUM = process.env.TAILNET_CHROMIUM ?? "/usr/bin/chromium";
const TOOLS = process.env.TAILNET_TOOLS_DIR;

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

let fake;
let server;
let origin;
let browser;
let profile;

before(async () => {
  assert.ok(ROOT && existsSync(ROOT), `TAILNET_WEB_ROOT missing: ${ROOT}`);
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (run-tests.sh installs Debian's chromium)`);
  fake = await Fake.start("--api-key", API_KEY, "--devices", "5");
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (path.includes("..")) return res.writeHead(403).end();
    try {
      const body = await readFile(join(ROOT, path));
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  const require = createRequire(join(TOOLS, "package.json"));
  const { chromium } = require("playwright-core");
  profile = await mkdtemp(join(tmpdir(), "tailnet-chromium-"));
  // A fresh profile directory (launchPersistentContext is how playwright takes --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  await fake?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function resultOf(url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20000 });
  const result = await page.evaluate(() => window.__result);
  await page.close();
  return { result, errors };
}

test("the browser build via <script type=module> calls the fake tailnet across origins", async () => {
  const query = new URLSearchParams({ api: fake.url, key: API_KEY });
  const { result, errors } = await resultOf(`${origin}/browser/index.html?${query}`);
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.count, 5);
  assert.deepEqual(result.tags, ["tag:server"]);
  assert.equal(result.notFound, true);
  assert.equal(result.lostRace, true);
  assert.equal(result.operations, 96);
  assert.equal(result.sent, "https://api.tailscale.com/api/v2/device/a%2Fb");
  assert.equal(result.panicked, true);
  assert.equal(result.afterPanic, true);
  assert.deepEqual(errors.filter((e) => !e.includes("404") && !e.includes("412")), []);
  const log = await fake.requests();
  assert.ok(log.every((r) => !("user-agent" in (r.headers ?? {})) || !String(r.headers["user-agent"]).startsWith("tailnet-js")));
});

test("the runtimes' smoke test (tests/runtimes/smoke.mjs) passes in Chromium", async () => {
  await fake.reset();
  const query = new URLSearchParams({ api: fake.url, key: API_KEY });
  const { result } = await resultOf(`${origin}/browser/smoke.html?${query}`);
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.match(result.summary, /^5 devices .*typed 404 \(NotFoundError\), policy edited .*webhook verified$/);
});

test("the esbuild bundle of examples/app runs in Chromium", async () => {
  await fake.reset();
  const query = new URLSearchParams({ api: fake.url, key: API_KEY });
  const { result } = await resultOf(`${origin}/app/index.html?${query}`);
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.count, 5);
  assert.deepEqual(result.tags, ["tag:ci"]);
});
