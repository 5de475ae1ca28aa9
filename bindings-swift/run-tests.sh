#!/usr/bin/env bash
# Every test of tailnet-uniffi (Swift + Kotlin bindings), after installing what it needs
# (idempotent: present tools are skipped; caches live outside the repository):
#   1. drift check: gen-records + uniffi-bindgen regenerate the committed Rust/Kotlin/Swift sources
#   2. Rust unit tests of the crate
#   3. Kotlin: compile with the npm kotlin-compiler, package tailnet-kotlin.jar (+ the native
#      library under linux-x86-64/, where JNA looks), run the fixture corpus and the end-to-end
#      tests against the fake tailnet
#   4. uniffi-Python: the fixture corpus through the same FFI surface (stdlib only)
#   5. says LOUDLY that the Swift tests were not run (no Swift compiler on these machines)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
KOTLIN_VERSION=2.4.20
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/tailnet"
step() { printf '\n--- %s ---\n' "$*"; }

step "set-up: Java, JNA, Kotlin compiler $KOTLIN_VERSION"
if ! command -v java >/dev/null || ! command -v javac >/dev/null; then
  apt-get update -qq && apt-get install -y -qq default-jdk-headless >/dev/null
fi
if [ ! -f /usr/share/java/jna.jar ]; then
  apt-get update -qq && apt-get install -y -qq libjna-java >/dev/null
fi
KOTLIN_HOME="$CACHE/kotlin/node_modules/kotlin-compiler"
if [ "$(node -p "require('$KOTLIN_HOME/package.json').version" 2>/dev/null || true)" != "$KOTLIN_VERSION" ]; then
  mkdir -p "$CACHE/kotlin"
  (cd "$CACHE/kotlin" && npm install --no-audit --no-fund --silent "kotlin-compiler@$KOTLIN_VERSION")
fi
KOTLINC="$KOTLIN_HOME/bin/kotlinc"
COROUTINES="$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
STDLIB="$KOTLIN_HOME/lib/kotlin-stdlib.jar"
JNA=/usr/share/java/jna.jar

step "drift check: generated Rust records, Kotlin and Swift sources (bindings-swift/generate.sh --check)"
bash bindings-swift/generate.sh --check

step "Rust: tailnet-uniffi unit tests"
cargo test -q -p tailnet-uniffi

TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
LIB="$TARGET_DIR/debug/libtailnet_uniffi.so"
cargo build -q -p fake-tailnet
FAKE="$TARGET_DIR/debug/fake-tailnet"

step "Kotlin: compile and package (kotlinc $KOTLIN_VERSION)"
OUT="$TARGET_DIR/tailnet-kotlin"
mkdir -p "$OUT"
SOURCES_HASH="$( (cat bindings-swift/kotlin/src/main/kotlin/tailnet/*.kt; echo "$KOTLIN_VERSION") | sha256sum | cut -c1-16)"
# The generated file is ~24k lines (kotlinc takes ~3 min on 2 cores): recompile only when it changed.
if [ ! -f "$OUT/tailnet-$SOURCES_HASH.jar" ]; then
  rm -f "$OUT"/tailnet-*.jar
  "$KOTLINC" -J-Xmx1g -nowarn bindings-swift/kotlin/src/main/kotlin -cp "$COROUTINES:$JNA" -d "$OUT/classes.jar"
  mv "$OUT/classes.jar" "$OUT/tailnet-$SOURCES_HASH.jar"
fi
# The shipped jar: classes + the native library at linux-x86-64/libtailnet_uniffi.so, where JNA
# finds it on the class path (no -Djna.library.path needed).
rm -rf "$OUT/pkg" && mkdir -p "$OUT/pkg/linux-x86-64"
cp "$LIB" "$OUT/pkg/linux-x86-64/"
cp "$OUT/tailnet-$SOURCES_HASH.jar" "$OUT/tailnet-kotlin.jar"
(cd "$OUT/pkg" && jar uf "$OUT/tailnet-kotlin.jar" linux-x86-64/libtailnet_uniffi.so)
"$KOTLINC" -J-Xmx1g -nowarn bindings-swift/kotlin/src/test/kotlin -cp "$OUT/tailnet-kotlin.jar:$COROUTINES:$JNA" -d "$OUT/tests.jar"
echo "packaged $OUT/tailnet-kotlin.jar"

step "Kotlin: fixture corpus + end to end against the fake tailnet (JVM transport)"
java -cp "$OUT/tests.jar:$OUT/tailnet-kotlin.jar:$COROUTINES:$JNA:$STDLIB" tailnettest.MainKt tests/fixtures "$FAKE" </dev/null

step "uniffi-Python: fixture corpus through the same FFI surface"
PY_OUT="$(mktemp -d)"
trap 'rm -rf "$PY_OUT"' EXIT
"$TARGET_DIR/debug/uniffi-bindgen" generate --library "$LIB" --language python --out-dir "$PY_OUT" --no-format >/dev/null
cp "$LIB" "$PY_OUT/"
python3 bindings-swift/python/replay_fixtures.py "$PY_OUT" tests/fixtures

cat <<'LOUD'

########################################################################################
##  NOT RUN: Swift tests (bindings-swift/swift, XCTest).                              ##
##  There is no Swift compiler on this machine. The committed Swift sources were      ##
##  regenerated and found current (drift check above), and the identical FFI surface ##
##  was exercised through Kotlin and the uniffi-generated Python bindings. Run        ##
##  bindings-swift/swift/build-xcframework.sh on macOS to build and `swift test`.     ##
########################################################################################
LOUD
