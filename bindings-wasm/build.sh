#!/usr/bin/env bash
# Builds the npm package `tailnet` into bindings-wasm/pkg/ (then `npm pack bindings-wasm/pkg`).
#
#   bash bindings-wasm/build.sh                    # release build (opt-level z, LTO, wasm-opt -Oz)
#   WASM_OPT_LEVEL=3 bash bindings-wasm/build.sh   # for speed: opt-level 3 + wasm-opt -O3 (see README)
#
# Installs what it needs first, idempotently: the wasm32 target, the wasm-bindgen CLI of exactly
# the wasm-bindgen version in Cargo.lock (cargo install, no --locked: see TOOLCHAIN.md), and the
# pinned build tools of tools/package-lock.json (typescript, binaryen's wasm-opt — never Debian's —
# esbuild, playwright-core) with `npm ci`.
#
# Steps: cargo build (wasm32-unknown-unknown) → wasm-bindgen --target web (one glue for every
# platform, plus `__wbg_reset_state` so a Rust panic never leaves the module unusable) →
# wasm-opt -Oz → tsc (js/src + generated.ts from tailnet-wasm-tsgen → ESM + .d.ts) → pkg/:
#
#   pkg/package.json, README.md       (package/package.json with the Cargo workspace version stamped in)
#   pkg/dist/tailnet_wasm_bg.wasm     the core (shared by both builds)
#   pkg/dist/browser/*.js             browser/default build: fetches the .wasm via import.meta.url
#   pkg/dist/node/*.js                Node build: reads the .wasm with node:fs (the only difference)
#   pkg/dist/workerd/*.js             Workers build (`workerd` condition): imports the .wasm as a module
#   pkg/dist/types/*.d.ts             declarations (one set for both)
#
# Environment: WASM_OPT_LEVEL (z, s or 3; default z), CARGO_TARGET_DIR (default: <repo>/target),
# CARGO_BUILD_JOBS (default 1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"
. scripts/workspace.sh

export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
opt_level="${WASM_OPT_LEVEL:-z}"
case "$opt_level" in z|s|3) ;; *) echo "WASM_OPT_LEVEL must be z, s or 3" >&2; exit 1 ;; esac
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
say() { printf '[build.sh] %s\n' "$*"; }

# --- tools -----------------------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$wb_version" ]; then echo "wasm-bindgen is not in Cargo.lock" >&2; exit 1; fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version (a few minutes)"
  cargo install wasm-bindgen-cli --version "$wb_version" -j "$CARGO_BUILD_JOBS"
fi
tools="$here/tools"
if [ ! -x "$tools/node_modules/.bin/tsc" ] || [ ! -x "$tools/node_modules/.bin/wasm-opt" ] \
  || ! cmp -s "$tools/package-lock.json" "$tools/node_modules/.package-lock.json" 2>/dev/null; then
  say "npm ci (tools/package-lock.json)"
  (cd "$tools" && npm ci --no-audit --no-fund)
fi
# The package-lock npm ci writes into node_modules differs in form; remember the one installed.
cp "$tools/package-lock.json" "$tools/node_modules/.package-lock.json" 2>/dev/null || true

# --- wasm ------------------------------------------------------------------------------------------
say "cargo build -p tailnet-wasm --target wasm32-unknown-unknown --release (opt-level $opt_level)"
CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt_level" CARGO_TARGET_DIR="$target_dir" \
  cargo build -p tailnet-wasm --lib --target wasm32-unknown-unknown --release -j "$CARGO_BUILD_JOBS"
wasm_in="$target_dir/wasm32-unknown-unknown/release/tailnet_wasm.wasm"

build="$here/build"
rm -rf "$build"
mkdir -p "$build/glue" "$build/ts" "$build/out"
say "wasm-bindgen $wb_version --target web"
wasm-bindgen "$wasm_in" --out-dir "$build/glue" --out-name tailnet_wasm --target web \
  --experimental-reset-state-function

say "wasm-opt -O$opt_level (npm binaryen)"
"$tools/node_modules/.bin/wasm-opt" "-O$opt_level" \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$build/glue/tailnet_wasm_bg.wasm" -o "$build/tailnet_wasm_bg.wasm"

# --- TypeScript ------------------------------------------------------------------------------------
say "tsc (js/src → ESM + declarations)"
cp "$here"/js/src/*.ts "$build/ts/"
# The declarations of every model and operation come from the core's registry (a build output).
CARGO_TARGET_DIR="$target_dir" cargo run -q -p tailnet-wasm --bin tailnet-wasm-tsgen -j "$CARGO_BUILD_JOBS" -- "$build/ts/generated.ts"
cp "$build/glue/tailnet_wasm.js" "$build/glue/tailnet_wasm.d.ts" "$build/ts/"
cp "$here/js/tsconfig.json" "$build/ts/tsconfig.json"
"$tools/node_modules/.bin/tsc" -p "$build/ts/tsconfig.json"

# --- the package -----------------------------------------------------------------------------------
pkg="$here/pkg"
rm -rf "$pkg"
mkdir -p "$pkg/dist/browser" "$pkg/dist/node" "$pkg/dist/workerd" "$pkg/dist/types"
# The version is the Cargo workspace version (one place for every artifact), stamped here.
version="$(workspace_version)"
node -e 'const fs=require("fs"); const [src,dst,v]=process.argv.slice(1); const p=JSON.parse(fs.readFileSync(src,"utf8")); p.version=v; fs.writeFileSync(dst, JSON.stringify(p,null,2)+"\n")' \
  "$here/package/package.json" "$pkg/package.json" "$version"
cp "$here/README.md" "$pkg/README.md"
cp "$build/tailnet_wasm_bg.wasm" "$pkg/dist/tailnet_wasm_bg.wasm"
for variant in browser node workerd; do
  cp "$build"/out/*.js "$pkg/dist/$variant/"
  cp "$build/glue/tailnet_wasm.js" "$pkg/dist/$variant/"
done
cp "$here/js/node/native.js" "$pkg/dist/node/native.js"
cp "$here/js/workerd/native.js" "$pkg/dist/workerd/native.js"
cp "$build"/out/*.d.ts "$pkg/dist/types/"
rm -f "$pkg/dist/types/native.d.ts"  # internal; the public declarations do not reference the glue

raw=$(stat -c %s "$pkg/dist/tailnet_wasm_bg.wasm")
say "done: $pkg (wasm $raw bytes)"
