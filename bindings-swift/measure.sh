#!/usr/bin/env bash
# Measurements for tailnet-uniffi (a script, not a test; numbers vary with the machine's load):
#   - stripped release cdylib size
#   - Kotlin per-call overhead through a stub transport, and the 10,000-device parse
# Needs what run-tests.sh installs (it runs that first if the Kotlin jar is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/tailnet"
KOTLIN_HOME="$CACHE/kotlin/node_modules/kotlin-compiler"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
OUT="$TARGET_DIR/tailnet-kotlin"
[ -f "$OUT/tailnet-kotlin.jar" ] || bash bindings-swift/run-tests.sh

cargo build -q --release -p tailnet-uniffi
cp "$TARGET_DIR/release/libtailnet_uniffi.so" "$OUT/libtailnet_uniffi.stripped.so"
strip "$OUT/libtailnet_uniffi.stripped.so"
echo "release cdylib: $(stat -c %s "$TARGET_DIR/release/libtailnet_uniffi.so") bytes; stripped: $(stat -c %s "$OUT/libtailnet_uniffi.stripped.so") bytes (goal ≤ 2 MB = 2097152)"

cargo build -q -p fake-tailnet
CP="$OUT/tailnet-kotlin.jar:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar:/usr/share/java/jna.jar:$KOTLIN_HOME/lib/kotlin-stdlib.jar"
"$KOTLIN_HOME/bin/kotlinc" -J-Xmx1g -nowarn bindings-swift/kotlin/src/bench/kotlin -cp "$CP" -d "$OUT/bench.jar"
# The release library, so the numbers are the shipped library's.
java -Djna.library.path="$TARGET_DIR/release" -Djna.nosys=false -cp "$OUT/bench.jar:$CP" tailnetbench.BenchKt "$TARGET_DIR/debug/fake-tailnet" </dev/null
