#!/usr/bin/env bash
# Every test of the npm package `tailnet` (bindings-wasm). Installs what it needs first,
# idempotently: the wasm32 target, wasm-bindgen-cli (exact version), the pinned npm tools
# (tools/package-lock.json), Debian's chromium. Then:
#
#   1. build.sh → pkg/, `npm pack` → installed into an empty temporary project
#   2. tsc --noEmit --strict over examples/example.ts against the installed package
#   3. esbuild bundle of examples/app (browser platform) from the installed package
#   4. node --test in that project: the whole fixture corpus, the surface, end to end against the
#      fake tailnet with real fetch, policy documents and updatePolicyFile, webhook verification,
#      and headless Chromium (plain <script type=module> + the bundle)
#
# Environment: CARGO_BUILD_JOBS (default 1), CARGO_TARGET_DIR, KEEP_TMP=1 keeps the project.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
step() { printf '\n--- wasm: %s ---\n' "$*"; }

step "Debian chromium for the browser test"
chromium_bin="${TAILNET_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ]; then
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium
fi
"$chromium_bin" --version

step "build the package (build.sh)"
bash "$here/build.sh"

step "fake tailnet (cargo build -p fake-tailnet)"
cargo build -q -p fake-tailnet -j "$CARGO_BUILD_JOBS"
fake_bin="$target_dir/debug/fake-tailnet"

step "npm pack, then install into an empty project"
work="$(mktemp -d "${TMPDIR:-/tmp}/tailnet-npm.XXXXXX")"
if [ "${KEEP_TMP:-}" != 1 ]; then trap 'rm -rf "$work"' EXIT; else echo "keeping $work"; fi
(cd "$here/pkg" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/tailnet-*.tgz)"
tar -tzf "$tarball" | sort
proj="$work/project"
mkdir -p "$proj"
printf '{ "name": "tailnet-consumer", "private": true, "type": "module" }\n' > "$proj/package.json"
(cd "$proj" && npm install --silent --no-audit --no-fund "$tarball")
mkdir -p "$proj/tests" "$proj/browser" "$proj/app" "$proj/example"
cp "$here"/tests/*.mjs "$proj/tests/"
cp "$here/tests/browser/index.html" "$here/tests/browser/smoke.html" "$here/tests/runtimes/smoke.mjs" "$proj/browser/"
cp "$here/examples/app/index.html" "$here/examples/app/main.ts" "$proj/app/"
cp "$here/examples/example.ts" "$here/examples/tsconfig.json" "$proj/example/"
tools="$here/tools/node_modules/.bin"

step "API reference: typedoc over the installed package's declarations, warnings are errors (target/doc-js)"
cat > "$proj/typedoc.tsconfig.json" <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "ES2022", "moduleResolution": "bundler", "lib": ["ES2022", "DOM", "ESNext.Disposable"],
                       "strict": true, "types": [] },
  "files": ["node_modules/tailnet/dist/types/index.d.ts"] }
JSON
(cd "$proj" && "$tools/typedoc" --entryPoints node_modules/tailnet/dist/types/index.d.ts --tsconfig typedoc.tsconfig.json \
  --out "$here/../target/doc-js" --name tailnet --readme none --disableSources --treatWarningsAsErrors --logLevel Warn)
# What an editor shows on hover: the spec's description on a client method and a model field.
grep -q "Tags let you assign an identity to a device" "$proj/node_modules/tailnet/dist/types/generated.d.ts"
grep -q "if the keys for the device will not expire" "$proj/node_modules/tailnet/dist/types/generated.d.ts"
echo "typedoc: target/doc-js/index.html"

step "tsc --noEmit --strict over examples/example.ts (typescript $("$tools/tsc" --version | awk '{print $2}'))"
"$tools/tsc" -p "$proj/example/tsconfig.json"
echo "example.ts type-checks"

step "esbuild bundle of examples/app"
(cd "$proj" && "$tools/esbuild" app/main.ts --bundle --format=esm --platform=browser --target=es2022 \
  --outfile=app/dist/app.js --log-level=warning)
# The package finds its .wasm at new URL("../tailnet_wasm_bg.wasm", import.meta.url): next to the
# bundle's parent directory once bundled (see README, "Bundlers").
cp "$proj/node_modules/tailnet/dist/tailnet_wasm_bg.wasm" "$proj/app/tailnet_wasm_bg.wasm"
ls -l "$proj/app/dist/app.js"

step "node --test: fixtures, surface, end to end, policy, webhooks, headless Chromium"
(cd "$proj" && TAILNET_FIXTURES="$repo/tests/fixtures" TAILNET_POLICIES="$repo/core/tests/policies" TAILNET_FAKE_BIN="$fake_bin" TAILNET_WEB_ROOT="$proj" \
  TAILNET_TOOLS_DIR="$here/tools" TAILNET_CHROMIUM="$chromium_bin" node --test --test-reporter=spec tests/)
