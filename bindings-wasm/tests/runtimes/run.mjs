// Node, Deno and Bun: `<runtime> run.mjs <fake URL> <expected version>`.
import * as tailnet from "tailnet";
import { createRequire } from "node:module";
import { smoke } from "./smoke.mjs";

const [url, version] = globalThis.Deno ? Deno.args : process.argv.slice(2);
const pkg = createRequire(import.meta.url)("tailnet/package.json");
if (pkg.version !== version) throw new Error(`package.json version ${pkg.version}, expected ${version}`);
const runtime = globalThis.Deno ? `deno ${Deno.version.deno}` : globalThis.Bun ? `bun ${Bun.version}` : `node ${process.version}`;
console.log(`${runtime}: tailnet ${pkg.version}: ${await smoke(tailnet, url)}`);
