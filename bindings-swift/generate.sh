#!/usr/bin/env bash
# Regenerates the committed sources of tailnet-uniffi, or with --check fails when they are stale:
#   src/generated.rs                         mirror records/enums/params (gen-records, from the core)
#   kotlin/src/main/kotlin/tailnet/tailnet.kt                 uniffi-bindgen --language kotlin
#   swift/Sources/Tailnet/Tailnet.swift, swift/Sources/TailnetFFI/include/{TailnetFFI.h,module.modulemap}
# The Python bindings are generated at test time (not committed): see run-tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/workspace.sh
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
mode="${1:-write}"

if [ "$mode" = "--check" ]; then
  cargo run -q -j"$CARGO_BUILD_JOBS" -p tailnet-uniffi-bindgen --bin gen-records -- --check
else
  cargo run -q -j"$CARGO_BUILD_JOBS" -p tailnet-uniffi-bindgen --bin gen-records
fi
cargo build -q -j"$CARGO_BUILD_JOBS" -p tailnet-uniffi
cargo build -q -j"$CARGO_BUILD_JOBS" -p tailnet-uniffi-bindgen --bin uniffi-bindgen
target_dir="$(cargo_target_dir)"
lib="$target_dir/debug/libtailnet_uniffi.so"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for language in kotlin swift; do
  "$target_dir/debug/uniffi-bindgen" generate --library "$lib" --language "$language" --out-dir "$out/$language" --no-format >/dev/null
done
mkdir -p "$out/tree/kotlin/src/main/kotlin/tailnet" "$out/tree/swift/Sources/Tailnet" "$out/tree/swift/Sources/TailnetFFI/include"
cp "$out/kotlin/tailnet/tailnet.kt" "$out/tree/kotlin/src/main/kotlin/tailnet/tailnet.kt"
cp "$out/swift/Tailnet.swift" "$out/tree/swift/Sources/Tailnet/Tailnet.swift"
cp "$out/swift/TailnetFFI.h" "$out/tree/swift/Sources/TailnetFFI/include/TailnetFFI.h"
# SwiftPM and xcframework headers want the conventional file name.
cp "$out/swift/TailnetFFI.modulemap" "$out/tree/swift/Sources/TailnetFFI/include/module.modulemap"

# The spec's reference text reaches KDoc and Swift doc comments (gen-records writes it as rustdoc,
# uniffi copies it): a method's description and a model field's.
for probe in "Retrieve the details for the specified device." "'true' if the keys for the device will not expire."; do
  for generated in "$out/kotlin/tailnet/tailnet.kt" "$out/swift/Tailnet.swift"; do
    grep -qF -- "$probe" "$generated" || { echo "the doc comment \"$probe\" is missing from $(basename "$generated")" >&2; exit 1; }
  done
done
echo "doc comments present in the Kotlin and Swift sources: $(grep -c '^ *\* ' "$out/kotlin/tailnet/tailnet.kt") KDoc lines, $(grep -c '^ *///\|^ *\* ' "$out/swift/Tailnet.swift") Swift doc lines"

stale=0
for file in kotlin/src/main/kotlin/tailnet/tailnet.kt swift/Sources/Tailnet/Tailnet.swift \
            swift/Sources/TailnetFFI/include/TailnetFFI.h swift/Sources/TailnetFFI/include/module.modulemap; do
  if [ "$mode" = "--check" ]; then
    if ! diff -q "$out/tree/$file" "bindings-swift/$file" >/dev/null 2>&1; then
      echo "STALE: bindings-swift/$file (run bash bindings-swift/generate.sh)"
      diff -u "bindings-swift/$file" "$out/tree/$file" 2>/dev/null | head -20 || true
      stale=1
    fi
  else
    mkdir -p "$(dirname "bindings-swift/$file")"
    cp "$out/tree/$file" "bindings-swift/$file"
  fi
done
if [ "$mode" = "--check" ]; then
  [ "$stale" = 0 ] && echo "generated Kotlin and Swift sources are current"
  exit "$stale"
fi
echo "wrote Kotlin and Swift sources"
