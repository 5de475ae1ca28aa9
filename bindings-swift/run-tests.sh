#!/usr/bin/env bash
# Every test of tailnet-uniffi (Swift + Kotlin bindings), after installing what it needs
# (idempotent: present tools are skipped; caches live outside the repository):
#   1. uniffi-bindgen writes the Kotlin/Swift sources of both namespaces (the binding's `tailnet`,
#      the core's `tailnet_core`) into the cargo target directory (build outputs, not committed:
#      generate.sh, which also checks the spec's doc comments reach them)
#   2. Rust unit tests of the crate
#   3. Kotlin: Maven (bindings-swift/kotlin/pom.xml: kotlin-maven-plugin, kotlinx-coroutines, JNA,
#      JUnit 5 from Maven Central, cached in ~/.m2): compile (incremental, state in
#      target/tailnet-kotlin), the JUnit 5 tests through Surefire (fixture corpus, policy corpus,
#      webhooks, end to end against the fake tailnet), package target/tailnet-kotlin/tailnet-kotlin.jar
#      (+ the native library under linux-x86-64/, where JNA looks), then load the packaged jar alone
#   4. uniffi-Python: the fixture corpus through the same FFI surface (stdlib only)
#   5. Swift: bindings-swift/swift/run-swift-tests.sh (Debian trixie chroot with swiftlang, created
#      once outside the repository): swift build + swift test (fixture corpus, end to end over
#      URLSession against the fake tailnet, policy documents and updates, webhooks)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/workspace.sh
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
# Maven's local repository: ~/.m2 (never inside the repository). Kotlin compiles in Maven's JVM.
M2_REPO="${TAILNET_M2_REPO:-$HOME/.m2/repository}"
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx1g}"
# Each stage's duration is printed when the next one starts, and all of them at the end.
STAGE="" STAGE_START=$SECONDS
TIMES=()
stage_end() {
  if [ -n "$STAGE" ]; then
    TIMES+=("$STAGE $((SECONDS - STAGE_START))s")
    printf '(%s took %ss)\n' "$STAGE" "$((SECONDS - STAGE_START))"
  fi
  STAGE=""
}
stage_summary() { stage_end; [ "${#TIMES[@]}" -eq 0 ] || { printf 'stage durations:'; printf ' [%s]' "${TIMES[@]}"; printf '\n'; }; }
step() { stage_end; STAGE="${1%%:*}"; STAGE_START=$SECONDS; printf '\n--- %s ---\n' "$*"; }

step "set-up: Java 17, Maven"
if ! command -v java >/dev/null || ! command -v javac >/dev/null; then
  apt-get update -qq && apt-get install -y -qq default-jdk-headless >/dev/null
fi
if ! command -v mvn >/dev/null; then
  apt-get update -qq && apt-get install -y -qq maven >/dev/null
fi
case "$(realpath -m "$M2_REPO")/" in
  "$(pwd -P)"/*) echo "the Maven repository ($M2_REPO) must live outside the repository" >&2; exit 1 ;;
esac

step "generate: Kotlin and Swift sources into the target directory (bindings-swift/generate.sh)"
bash bindings-swift/generate.sh

step "Rust: tailnet-uniffi unit tests"
cargo test -q -p tailnet-uniffi

TARGET_DIR="$(cargo_target_dir)"
LIB="$TARGET_DIR/debug/libtailnet_uniffi.so"
cargo build -q -p fake-tailnet
FAKE="$TARGET_DIR/debug/fake-tailnet"

step "Kotlin (Maven): compile, JUnit 5 tests through Surefire, package tailnet-kotlin.jar"
POM=bindings-swift/kotlin/pom.xml
OUT="$TARGET_DIR/tailnet-kotlin"
# The artifact's version is the Cargo workspace version.
POM_VERSION="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$POM" | head -n1)"
CARGO_VERSION="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "tailnet-uniffi"))')"
if [ "$POM_VERSION" != "$CARGO_VERSION" ]; then
  echo "$POM has version $POM_VERSION, the Cargo workspace $CARGO_VERSION: make them agree" >&2
  exit 1
fi
# Kotlin's incremental compiler does not always recompile the tests when the generated API changes
# (a constructor parameter turning optional, say: NoSuchMethodError at run time), so a changed
# generated API means a clean compile of the tests.
GEN_STAMP="$(find "$TARGET_DIR/uniffi/kotlin" -type f -name '*.kt' | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)"
if [ "$(cat "$OUT/.generated-kotlin-stamp" 2>/dev/null || true)" != "$GEN_STAMP" ]; then
  rm -rf "$OUT/kotlin-ic/test" "$OUT/test-classes"
fi
# Left over from the kotlinc build this replaced.
rm -rf "$OUT/pkg" "$OUT/tests.jar"
find "$OUT" -maxdepth 1 -name 'tailnet-????????????????.jar' -delete 2>/dev/null || true
MVN=(mvn -B -ntp -f "$POM" "-Dmaven.repo.local=$M2_REPO" "-Dtailnet.buildDir=$OUT"
     "-Dtailnet.nativeDir=$TARGET_DIR/debug" "-Dtailnet.generatedKotlin=$TARGET_DIR/uniffi/kotlin" "-Dtailnet.fakeTailnet=$FAKE" "-Dtailnet.fixtures=$PWD/tests/fixtures"
     "-Dtailnet.policies=$PWD/core/tests/policies")
# Offline once this pom's plugins and dependencies are all in ~/.m2 (the marker is written after
# a successful run); online again if the cache turns out to lack something.
MARKER="$M2_REPO/.tailnet-kotlin-$(sha256sum "$POM" | cut -c1-16)"
MVN_LOG="$(mktemp)"
OFFLINE=()
[ -f "$MARKER" ] && OFFLINE=(-o)
if ! "${MVN[@]}" "${OFFLINE[@]}" verify </dev/null 2>&1 | tee "$MVN_LOG"; then
  if [ "${#OFFLINE[@]}" -gt 0 ] && grep -q 'offline mode' "$MVN_LOG"; then
    echo "the Maven cache lacks something: again online"
    rm -f "$MARKER"
    "${MVN[@]}" verify </dev/null
  else
    rm -f "$MVN_LOG"
    exit 1
  fi
fi
rm -f "$MVN_LOG"
mkdir -p "$M2_REPO" && touch "$MARKER"
echo "$GEN_STAMP" >"$OUT/.generated-kotlin-stamp"
JAR="$OUT/tailnet-kotlin.jar"
jar tf "$JAR" | grep -qx 'linux-x86-64/libtailnet_uniffi.so' || { echo "$JAR lacks linux-x86-64/libtailnet_uniffi.so" >&2; exit 1; }
# The packaged jar alone (+ its run-time dependencies): JNA extracts the bundled library from it.
SMOKE="$(mktemp -d)"
cat >"$SMOKE/Smoke.java" <<'JAVA'
public class Smoke {
    public static void main(String[] args) throws Exception {
        int n = tailnet.TailnetKt.operations().size();
        String url = tailnet.TailnetKt.buildRequest("getDevice", new tailnet.ClientOptions(), "{\"deviceId\":\"n1\"}").getUrl();
        if (n != 96 || !url.endsWith("/api/v2/device/n1")) throw new AssertionError(n + " operations, " + url);
        System.out.println("packaged jar: " + n + " operations, " + url);
    }
}
JAVA
java -Djna.nosys=true -cp "$JAR:$(cat "$OUT/runtime-classpath.txt")" "$SMOKE/Smoke.java" </dev/null
rm -rf "$SMOKE"
echo "packaged $JAR ($(stat -c %s "$JAR") bytes)"

step "uniffi-Python: fixture corpus through the same FFI surface"
PY_OUT="$(mktemp -d)"
trap 'rm -rf "$PY_OUT"; stage_summary' EXIT
"$TARGET_DIR/debug/uniffi-bindgen" generate --library "$LIB" --language python --out-dir "$PY_OUT" --no-format >/dev/null
cp "$LIB" "$PY_OUT/"
python3 bindings-swift/tests/replay_fixtures.py "$PY_OUT" tests/fixtures

step "Swift: swift build + XCTest in a Debian trixie chroot (bindings-swift/swift/run-swift-tests.sh)"
# Reuses the debug libtailnet_uniffi.a and fake-tailnet built above (cargo has nothing left to do).
bash bindings-swift/swift/run-swift-tests.sh </dev/null
