#!/usr/bin/env bash
# Measurements for tailnet-uniffi (a script, not a test; numbers vary with the machine's load):
#   - stripped release cdylib size
#   - Kotlin per-call overhead through a stub transport, and the 10,000-device parse
# Needs what run-tests.sh installs (it runs that first if the Kotlin jar is missing). Bench.kt is
# compiled by Maven with the tests (bindings-swift/kotlin/pom.xml, test-compile; incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/workspace.sh
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
M2_REPO="${TAILNET_M2_REPO:-$HOME/.m2/repository}"
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx1g}"
TARGET_DIR="$(cargo_target_dir)"
OUT="$TARGET_DIR/tailnet-kotlin"
[ -f "$OUT/tailnet-kotlin.jar" ] || bash bindings-swift/run-tests.sh

# The shipped library's profile (Cargo.toml [profile.release-mobile], as scripts/package.sh builds
# it); the shipped copy is stripped.
cargo build -q --profile release-mobile -p tailnet-uniffi
REL="$TARGET_DIR/release-mobile"
cp "$REL/libtailnet_uniffi.so" "$OUT/libtailnet_uniffi.stripped.so"
strip "$OUT/libtailnet_uniffi.stripped.so"
echo "release-mobile cdylib: $(stat -c %s "$REL/libtailnet_uniffi.so") bytes; stripped: $(stat -c %s "$OUT/libtailnet_uniffi.stripped.so") bytes (goal ≤ 2 MB = 2097152)"

cargo build -q -p fake-tailnet
bash bindings-swift/generate.sh >/dev/null
mvn -B -q -ntp -f bindings-swift/kotlin/pom.xml "-Dmaven.repo.local=$M2_REPO" "-Dtailnet.buildDir=$OUT" \
    "-Dtailnet.nativeDir=$TARGET_DIR/debug" "-Dtailnet.generatedKotlin=$TARGET_DIR/uniffi/kotlin" test-compile </dev/null
mkdir -p "$OUT/native-measured"
cp "$OUT/libtailnet_uniffi.stripped.so" "$OUT/native-measured/libtailnet_uniffi.so"
CP="$OUT/test-classes:$OUT/classes:$(cat "$OUT/runtime-classpath.txt")"
# The shipped (release-mobile, stripped) library, so the numbers are the shipped library's.
java -Djna.library.path="$OUT/native-measured" -Djna.nosys=false -cp "$CP" tailnetbench.BenchKt "$TARGET_DIR/debug/fake-tailnet" </dev/null
