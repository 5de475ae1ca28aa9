#!/usr/bin/env bash
# Runs every test in every language that exists in this repository, after installing what it
# needs (idempotent: present tools are skipped). Works on a fresh machine of this workplace.
set -euo pipefail
cd "$(dirname "$0")/.."
# CI runs this alone on a 2-core machine: both cores for every cargo build (the per-language
# scripts default to one job for when they run beside other work).
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

# Each stage's duration is printed when the next one starts, and all of them at the end, so the
# slow ones are visible in CI's log.
STAGE="" STAGE_START=$SECONDS RUN_START=$SECONDS
TIMES=()
stage_end() {
  if [ -n "$STAGE" ]; then
    TIMES+=("$((SECONDS - STAGE_START))s  $STAGE")
    printf '(%ss: %s)\n' "$((SECONDS - STAGE_START))" "$STAGE"
  fi
  STAGE=""
}
step() { stage_end; STAGE="$*"; STAGE_START=$SECONDS; printf '\n=== %s ===\n' "$*"; }
summary() {
  stage_end
  printf '\n=== stage durations (total %ss) ===\n' "$((SECONDS - RUN_START))"
  printf '  %s\n' "${TIMES[@]}"
}
trap summary EXIT

step "set-up"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
# PyYAML for the generator drift check, in a cache outside the repository.
TOOLS_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/tailnet/venv"
if ! "$TOOLS_VENV/bin/python" -c 'import yaml, jsonschema' 2>/dev/null; then
  python3 -m venv "$TOOLS_VENV"
  "$TOOLS_VENV/bin/pip" install --quiet 'PyYAML==6.0.3' 'jsonschema==4.26.0'
fi

step "generated declarations are current (xtask/generate.py --check)"
"$TOOLS_VENV/bin/python" xtask/generate.py --check

step "fixture corpus is current and matches the independent Python oracle (xtask/gen_fixtures.py --check)"
"$TOOLS_VENV/bin/python" xtask/gen_fixtures.py --check

step "Rust: unit, conformance, fixture replay, fake tailnet (cargo test --workspace)"
cargo test --workspace --all-targets

step "Rust: doc tests"
cargo test --workspace --doc

step "Rust API reference: cargo doc with warnings as errors (target/doc/tailnet/index.html)"
RUSTDOCFLAGS="-D warnings" cargo doc -p tailnet --no-deps --features client

step "README's table of operation names per language is current (cargo run -q -p xtask -- names --check)"
cargo run -q -p xtask -- names --check

step "Rust client compiles for wasm32 (cargo check --target wasm32-unknown-unknown --features client)"
cargo check -p tailnet --target wasm32-unknown-unknown --features client

step "Rust client (native) compiles"
cargo check -p tailnet --features client

step "operation table lists 96 operations (cargo run -q -p xtask -- operations)"
count=$(cargo run -q -p xtask -- operations | grep -c '"id"')
if [ "$count" != 96 ]; then echo "expected 96 operations, got $count"; exit 1; fi
echo "96 operations"

step "the README's demo runs against the embedded fake tailnet (cargo run -q -p xtask -- demo)"
demo_log="$(mktemp)"
env -u TAILSCALE_API_KEY cargo run -q -p xtask -- demo | tee "$demo_log"
# What a user reads: no Rust debug text (`Some(…)`, `None`, struct dumps) and no secret.
if grep -nE 'Some\(|\bNone\b|[A-Z][A-Za-z]+ \{ |tskey-[a-z]+-[A-Za-z0-9]+-[A-Za-z0-9]{6,}' "$demo_log"; then
  echo "the demo printed Rust debug text or a secret (above)"; exit 1
fi
rm -f "$demo_log"

step "fuzz smoke run: every target for 15 s (cargo +nightly fuzz; long runs are done by hand, see README)"
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --version 0.13.2
fi
(
  cd core
  for target in parse_response api_error build_request hujson webhook_header; do
    corpus="$(mktemp -d)"
    log="$(mktemp)"
    if ! cargo +nightly fuzz run -O "$target" "$corpus" "fuzz/seeds/$target" -- -max_total_time=15 -print_final_stats=1 >"$log" 2>&1; then
      tail -40 "$log"
      echo "fuzz target $target FAILED"
      exit 1
    fi
    echo "$target: $(grep -m1 'stat::number_of_executed_units' "$log" || echo 'ran')"
    rm -rf "$corpus" "$log"
  done
)

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p tailnet --all-targets --features client -- -D warnings

# ---- Python ----------------------------------------------------------------------------------
step "Python binding (bindings-python/run-tests.sh: sdist + manylinux wheel with the generated stubs, pytest, mypy --strict, pdoc)"
bash bindings-python/run-tests.sh
# ---- end Python ------------------------------------------------------------------------------

# ---- JavaScript ------------------------------------------------------------------------------
step "JavaScript/wasm binding (bindings-wasm/run-tests.sh: npm package build + pack, fixtures, e2e vs the fake, tsc --strict, esbuild, headless Chromium)"
bash bindings-wasm/run-tests.sh
# ---- end JavaScript --------------------------------------------------------------------------

# ---- Kotlin / Swift ---------------------------------------------------------------------------
step "Kotlin / Swift binding (bindings-swift/run-tests.sh: Kotlin by Maven + JUnit 5 (fixtures, e2e vs the fake), uniffi-Python fixtures, Swift build + XCTest in a trixie chroot)"
bash bindings-swift/run-tests.sh
# ---- end Kotlin / Swift -----------------------------------------------------------------------

# ---- Release artifacts ------------------------------------------------------------------------
step "release artifacts: scripts/package.sh → dist/ (reusing the builds above + one release-mobile tailnet-uniffi), then scripts/smoke-dist.sh: each artifact installed as a user would (wheel on the oldest Python >= 3.9 without Rust, npm tarball, Maven file:// repository, SwiftPM package) against the fake"
TAILNET_PACKAGE_REUSE=1 bash scripts/package.sh
bash scripts/smoke-dist.sh
# ---- end Release artifacts --------------------------------------------------------------------

stage_end
echo
echo "ALL TESTS PASSED"
