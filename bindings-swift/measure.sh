#!/usr/bin/env bash
# Measurements for tailnet-uniffi (a script, not a test; numbers vary with the machine's load):
#   - stripped release cdylib size
#   - Kotlin per-call overhead through a stub transport, and the 10,000-device parse, with the
#     shipped library (release-mobile, opt-level "z") and then with the release profile (opt-level 3)
#   - what one call allocates (JNA structures, tracked native Memory blocks: Census.kt, run under
#     the Epsilon collector so the class histogram counts every object)
#   bash bindings-swift/measure.sh [--no-opt3] [--no-census]
# Needs what run-tests.sh installs (it runs that first if the Kotlin jar is missing). Bench.kt is
# compiled by Maven with the tests (bindings-swift/kotlin/pom.xml, test-compile; incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
OPT3=1 CENSUS=1
for arg in "$@"; do
  case "$arg" in
    --no-opt3) OPT3=0 ;;
    --no-census) CENSUS=0 ;;
    *) echo "unknown argument $arg" >&2; exit 2 ;;
  esac
done
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
echo "== the shipped library (release-mobile, opt-level z)"
java -Djna.library.path="$OUT/native-measured" -Djna.nosys=false -cp "$CP" tailnetbench.BenchKt "$TARGET_DIR/debug/fake-tailnet" </dev/null
if [ "$OPT3" = 1 ]; then
  cargo build -q --release -p tailnet-uniffi
  mkdir -p "$OUT/native-opt3"
  cp "$TARGET_DIR/release/libtailnet_uniffi.so" "$OUT/native-opt3/libtailnet_uniffi.so"
  echo "== the release profile (opt-level 3)"
  java -Djna.library.path="$OUT/native-opt3" -Djna.nosys=false -cp "$CP" tailnetbench.BenchKt "$TARGET_DIR/debug/fake-tailnet" </dev/null
fi
if [ "$CENSUS" = 1 ]; then
  echo "== objects per call (Census.kt; Epsilon collector, no collection during the run)"
  java -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xms3g -Xmx3g -XX:-UseTLAB -Xlog:disable \
    -Djna.library.path="$OUT/native-measured" -Djna.nosys=false -cp "$CP" tailnetbench.CensusKt </dev/null
fi
