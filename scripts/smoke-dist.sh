#!/usr/bin/env bash
# Smoke tests of dist/ (scripts/package.sh), each artifact installed the way a user installs it,
# in a clean temporary place, against the fake tailnet (target/debug/fake-tailnet):
#
#   python  the wheel in a fresh venv of the oldest Python >= 3.9 found here (pyenv's 3.9 on these
#           machines), with no Rust toolchain on PATH; `pip install --no-index <wheel>`
#   npm     `npm i ./tailnet-X.Y.Z.tgz` in an empty npm project; one smoke test
#           (bindings-wasm/tests/runtimes: also a policy edit and a webhook verification) runs in
#           Node, Deno (npm `deno` 2.9.6), Bun (npm `bun` 1.4.4) and workerd (npm `workerd`
#           1.20261123.1, the Worker bundled by esbuild with the `workerd` condition)
#   maven   a sample Maven project (Kotlin) depending on io.github.tailnet-rs:tailnet-kotlin:X.Y.Z
#           from dist/maven as a file:// repository; run with only its class path (JNA extracts
#           the native library from the jar)
#   swift   a sample SwiftPM project depending on the unzipped package by path, built and run
#           in the Debian trixie chroot of bindings-swift/swift/chroot.sh (Linux, Swift 6.0.3)
#
# Each lists the devices, gets a typed 404 error, and checks that its User-Agent (as the fake
# logged it) carries the Cargo workspace version.
#
#   bash scripts/smoke-dist.sh [python|npm|maven|swift]...   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/workspace.sh
REPO="$(pwd -P)"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
M2_REPO="${TAILNET_M2_REPO:-$HOME/.m2/repository}"
DIST="$REPO/dist"
VERSION="$(workspace_version)"
PARTS=("$@")
[ "${#PARTS[@]}" -gt 0 ] || PARTS=(python npm maven swift)
[ -d "$DIST" ] || { echo "no dist/: run scripts/package.sh first" >&2; exit 1; }
T0=$SECONDS
TIMES=()
part() { printf '\n--- smoke: %s ---\n' "$*"; PART_START=$SECONDS; }
part_done() { TIMES+=("$((SECONDS - PART_START))s  $1"); echo "($1: $((SECONDS - PART_START))s)"; }

cargo build -q -p fake-tailnet
TARGET_DIR="$(cargo_target_dir)"
FAKE_BIN="$TARGET_DIR/debug/fake-tailnet"
work="$(mktemp -d "${TMPDIR:-/tmp}/tailnet-smoke.XXXXXX")"
FAKE_PID=""
finish() {
  [ -z "$FAKE_PID" ] || kill "$FAKE_PID" 2>/dev/null || true
  rm -rf "$work"
  [ "${#TIMES[@]}" -eq 0 ] || { printf 'smoke durations (total %ss):' "$((SECONDS - T0))"; printf ' [%s]' "${TIMES[@]}"; printf '\n'; }
}
trap finish EXIT

# One fake for all parts; each part uses fresh ids and resets it.
"$FAKE_BIN" --devices 5 --ignore-stdin </dev/null >"$work/fake.out" 2>"$work/fake.err" &
FAKE_PID=$!
for _ in $(seq 100); do [ -s "$work/fake.out" ] && break; sleep 0.1; done
URL="$(head -n1 "$work/fake.out")"
case "$URL" in http://127.0.0.1:*) ;; *) cat "$work/fake.err" >&2; echo "the fake tailnet did not start" >&2; exit 1 ;; esac
echo "fake tailnet at $URL; version $VERSION"
fake_reset() { curl -fsS -X POST "$URL/_fake/reset" >/dev/null; curl -fsS -X DELETE "$URL/_fake/requests" >/dev/null; }
# check_user_agent PREFIX: every /api/v2 request the fake saw since the reset carries PREFIX/VERSION
check_user_agent() {
  curl -fsS "$URL/_fake/requests" | python3 -c '
import json, sys
want = sys.argv[1]
reqs = [r for r in json.load(sys.stdin) if r["path"].startswith("/api/v2/")]
agents = sorted({str({k.lower(): v for k, v in r.get("headers", {}).items()}.get("user-agent")) for r in reqs})
assert reqs and all(want in a for a in agents), (want, agents)
print("User-Agent:", ", ".join(agents))
' "$1/$VERSION"
}

for p in "${PARTS[@]}"; do
case "$p" in
# ---- Python --------------------------------------------------------------------------------------
python)
  part "python: the wheel in a fresh venv of the oldest Python >= 3.9 here, no Rust on PATH"
  fake_reset
  PY=""
  for v in 3.9 3.10 3.11 3.12 3.13; do
    for cand in "$HOME"/.pyenv/versions/"$v".*/bin/python"$v" "$(command -v "python$v" || true)"; do
      if [ -x "$cand" ]; then PY="$cand"; break 2; fi
    done
  done
  [ -n "$PY" ] || PY="$(command -v python3)"
  echo "interpreter: $PY ($("$PY" --version 2>&1))"
  WHEEL="$(ls "$DIST"/python/tailnet-"$VERSION"-*.whl)"
  # PATH without the Rust toolchain (rustup's ~/.cargo/bin) and without pyenv's shims.
  CLEAN_PATH="$(dirname "$PY"):/usr/local/bin:/usr/bin:/bin"
  (
    export PATH="$CLEAN_PATH"
    unset CARGO_HOME RUSTUP_HOME RUSTUP_TOOLCHAIN CARGO_TARGET_DIR PYTHONPATH VIRTUAL_ENV PYENV_VERSION
    if command -v cargo || command -v rustc; then echo "a Rust toolchain is still on PATH" >&2; exit 1; fi
    cd "$work"
    "$PY" -m venv venv
    venv/bin/pip install --quiet --disable-pip-version-check --no-index --no-cache-dir "$WHEEL"
    venv/bin/python - "$URL" "$VERSION" <<'PY'
import sys, tailnet
url, version = sys.argv[1:]
assert tailnet.__version__ == version, (tailnet.__version__, version)
with tailnet.Client("tskey-api-fake", base_url=url) as client:
    devices = client.list_tailnet_devices(fields="all").devices or []
    assert len(devices) == 5 and all(isinstance(d, tailnet.Device) for d in devices), devices
    try:
        client.get_device(device_id="nNOSUCHDEVICE")
        raise AssertionError("expected NotFoundError")
    except tailnet.NotFoundError as e:
        assert isinstance(e, tailnet.ApiError) and e.status == 404, e
        error = e
print(f"python {sys.version.split()[0]}: tailnet {tailnet.__version__} from {tailnet.__file__}: "
      f"{len(devices)} devices ({devices[0].name}), typed 404 ({type(error).__name__})")
PY
  )
  check_user_agent tailnet-python
  part_done "python (wheel, $("$PY" --version 2>&1))"
  ;;

# ---- npm -----------------------------------------------------------------------------------------
npm)
  part "npm: npm i ./tailnet-$VERSION.tgz in an empty project, node imports \"tailnet\""
  fake_reset
  proj="$work/npm-project"
  mkdir -p "$proj"
  cp "$DIST/npm/tailnet-$VERSION.tgz" "$proj/"
  printf '{ "name": "tailnet-smoke", "private": true, "type": "module" }\n' >"$proj/package.json"
  (cd "$proj" && npm i --silent --no-audit --no-fund "./tailnet-$VERSION.tgz")
  # One smoke test (bindings-wasm/tests/runtimes/smoke.mjs: devices, a typed 404, a policy edit, a
  # webhook verification) in every runtime the package claims, each resolving "tailnet" from the
  # same node_modules by its own export condition.
  cp bindings-wasm/tests/runtimes/smoke.mjs bindings-wasm/tests/runtimes/run.mjs "$proj/"
  (cd "$proj" && node run.mjs "$URL" "$VERSION")
  check_user_agent tailnet-js
  # Deno, Bun and workerd: their npm packages carry the binaries as platform optionalDependencies
  # (nothing downloads at install); installed once into a cache outside the repository.
  RUNTIMES="${XDG_CACHE_HOME:-$HOME/.cache}/tailnet/js-runtimes"
  RUNTIME_PINS="deno@2.9.6 bun@1.4.4 workerd@1.20261123.1"
  if [ "$(cat "$RUNTIMES/.pins" 2>/dev/null)" != "$RUNTIME_PINS" ]; then
    rm -rf "$RUNTIMES" && mkdir -p "$RUNTIMES"
    printf '{ "name": "tailnet-js-runtimes", "private": true }\n' >"$RUNTIMES/package.json"
    # shellcheck disable=SC2086
    (cd "$RUNTIMES" && npm i --silent --no-audit --no-fund $RUNTIME_PINS)
    echo "$RUNTIME_PINS" >"$RUNTIMES/.pins"
  fi
  fake_reset
  (cd "$proj" && DENO_NO_UPDATE_CHECK=1 "$RUNTIMES/node_modules/.bin/deno" run --quiet --allow-read --allow-net --allow-env run.mjs "$URL" "$VERSION")
  check_user_agent tailnet-js
  fake_reset
  (cd "$proj" && "$RUNTIMES/node_modules/.bin/bun" run run.mjs "$URL" "$VERSION")
  check_user_agent tailnet-js
  # workerd: the Worker bundled as wrangler bundles it (esbuild, `workerd` condition, the .wasm
  # left a module of its own), served on a free port, asked once over HTTP.
  fake_reset
  esbuild="bindings-wasm/tools/node_modules/.bin/esbuild"
  [ -x "$esbuild" ] || (cd bindings-wasm/tools && npm ci --silent --no-audit --no-fund)
  worker="$proj/worker"
  mkdir -p "$worker"
  cp bindings-wasm/tests/runtimes/worker.mjs bindings-wasm/tests/runtimes/smoke.mjs "$proj/"
  "$esbuild" "$proj/worker.mjs" --bundle --format=esm --platform=neutral --conditions=workerd,worker \
    --main-fields=module,main --external:'*.wasm' --outfile="$worker/worker.js" --log-level=warning
  cp "$proj/node_modules/tailnet/dist/tailnet_wasm_bg.wasm" "$worker/"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  sed "s/PORT/$port/" bindings-wasm/tests/runtimes/workerd.capnp >"$worker/workerd.capnp"
  (cd "$worker" && exec "$RUNTIMES/node_modules/.bin/workerd" serve workerd.capnp >"$work/workerd.log" 2>&1) &
  WORKERD_PID=$!
  answer=""
  for _ in $(seq 100); do
    answer="$(curl -sS "http://127.0.0.1:$port/?api=$URL" 2>/dev/null)" && break
    sleep 0.1
  done
  kill "$WORKERD_PID" 2>/dev/null || true
  wait "$WORKERD_PID" 2>/dev/null || true
  echo "$answer ($("$RUNTIMES/node_modules/.bin/workerd" --version))"
  case "$answer" in "workerd: "*" devices "*"webhook verified") ;; *) cat "$work/workerd.log" >&2; echo "the smoke test failed in workerd" >&2; exit 1 ;; esac
  check_user_agent tailnet-js
  part_done "npm (tarball: Node, Deno, Bun, workerd)"
  ;;

# ---- Maven ---------------------------------------------------------------------------------------
maven)
  part "maven: a sample Kotlin project depending on io.github.tailnet-rs:tailnet-kotlin:$VERSION from file://dist/maven"
  fake_reset
  proj="$work/maven-project"
  mkdir -p "$proj/src/main/kotlin"
  # Drop any cached copy, so the artifact is resolved from dist/maven (checked below).
  rm -rf "$M2_REPO/io/github/tailnet-rs/tailnet-kotlin/$VERSION"
  KOTLIN_VERSION="$(sed -n 's:.*<kotlin.version>\(.*\)</kotlin.version>.*:\1:p' bindings-swift/kotlin/pom.xml)"
  cat >"$proj/pom.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>tailnet-smoke</artifactId>
  <version>1</version>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <kotlin.compiler.jvmTarget>11</kotlin.compiler.jvmTarget>
  </properties>
  <repositories>
    <repository><id>tailnet-dist</id><url>file://$DIST/maven</url></repository>
  </repositories>
  <dependencies>
    <dependency>
      <groupId>io.github.tailnet-rs</groupId>
      <artifactId>tailnet-kotlin</artifactId>
      <version>$VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <sourceDirectory>src/main/kotlin</sourceDirectory>
    <pluginManagement><plugins>
      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
      <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
    </plugins></pluginManagement>
    <plugins>
      <plugin>
        <groupId>org.jetbrains.kotlin</groupId>
        <artifactId>kotlin-maven-plugin</artifactId>
        <version>$KOTLIN_VERSION</version>
        <configuration><nowarn>true</nowarn></configuration>
        <executions><execution><id>compile</id><goals><goal>compile</goal></goals></execution></executions>
      </plugin>
    </plugins>
  </build>
</project>
XML
  cat >"$proj/src/main/kotlin/Main.kt" <<'KT'
import kotlinx.coroutines.runBlocking
import tailnet.*
import tailnet.core.*

fun main(args: Array<String>) = runBlocking {
    val client = tailnetClient(ClientOptions(baseUrl = args[0], apiKey = "tskey-api-fake"))
    val devices = client.listTailnetDevices(ListTailnetDevicesParams(fields = DeviceFields.All)).devices.orEmpty()
    check(devices.size == 5) { "${devices.size} devices" }
    val error = runCatching { client.getDevice(GetDeviceParams(deviceId = "nNOSUCHDEVICE")) }.exceptionOrNull()
    check(error is TailnetException.Api && error.status.toInt() == 404) { "expected a typed 404, got $error" }
    println("kotlin ${KotlinVersion.CURRENT}, java ${System.getProperty("java.version")}: ${devices.size} devices (${devices[0].name}), typed 404 (TailnetException.Api)")
}
KT
  MVN_LOG="$work/maven.log"
  if ! (cd "$proj" && MAVEN_OPTS="${MAVEN_OPTS:--Xmx1g}" mvn -B -ntp "-Dmaven.repo.local=$M2_REPO" \
        compile dependency:build-classpath -Dmdep.outputFile=classpath.txt </dev/null >"$MVN_LOG" 2>&1); then
    tail -n 40 "$MVN_LOG"; echo "the sample Maven project did not build" >&2; exit 1
  fi
  grep -q 'tailnet-dist' "$M2_REPO/io/github/tailnet-rs/tailnet-kotlin/$VERSION/_remote.repositories" \
    || { echo "tailnet-kotlin was not resolved from dist/maven" >&2; exit 1; }
  echo "resolved io.github.tailnet-rs:tailnet-kotlin:$VERSION from file://$DIST/maven"
  (cd "$proj" && java -Djna.nosys=true -cp "target/classes:$(cat classpath.txt)" MainKt "$URL" </dev/null)
  check_user_agent tailnet
  part_done "maven (sample project)"
  ;;

# ---- Swift ---------------------------------------------------------------------------------------
swift)
  part "swift: a sample SwiftPM project depending on the unzipped package (trixie chroot, Swift 6.0.3)"
  fake_reset
  # A subshell: chroot.sh's EXIT trap (unmount) is the subshell's own.
  (
    . "$REPO/bindings-swift/swift/chroot.sh"
    swift_chroot_setup
    rel="/tmp/tailnet-smoke-$$"
    SWIFT_CHROOT_ON_EXIT="rm -rf '$ROOT$rel'"
    rm -rf "$ROOT$rel"
    mkdir -p "$ROOT$rel/sample/Sources/Smoke"
    python3 -m zipfile -e "$DIST/swift/tailnet-swift-$VERSION.zip" "$ROOT$rel/"
    chmod -R u+rwX "$ROOT$rel"
    cat >"$ROOT$rel/sample/Package.swift" <<'SWIFT'
// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "Smoke",
    dependencies: [.package(path: "../tailnet-swift")],
    targets: [
        .executableTarget(name: "Smoke", dependencies: [.product(name: "Tailnet", package: "tailnet-swift")]),
    ]
)
SWIFT
    cat >"$ROOT$rel/sample/Sources/Smoke/main.swift" <<'SWIFT'
import Foundation
import Tailnet

let url = CommandLine.arguments[1]
let client = try TailnetClient.withApiKey("tskey-api-fake", baseUrl: url)
let devices = try await client.devices()
precondition(devices.count == 5, "\(devices.count) devices")
do {
    _ = try await client.getDevice(params: GetDeviceParams(deviceId: "nNOSUCHDEVICE"))
    fatalError("expected a typed 404")
} catch let error as TailnetError {
    guard case .Api = error, String(describing: error).contains("status: 404") else { fatalError("expected a typed 404, got \(error)") }
}
print("swift: \(devices.count) devices (\(devices[0].name ?? "?")), typed 404 (TailnetError.Api)")
SWIFT
    step "chroot: swift build (sample + package, debug) and run"
    start=$(now)
    if ! in_chroot "cd $rel/sample && swift build -Xlinker -L$rel/tailnet-swift/lib/linux-x86_64 >$rel/build.log 2>&1"; then
      tail -n 40 "$ROOT$rel/build.log"; echo "the sample SwiftPM project did not build" >&2; exit 1
    fi
    tail -n 2 "$ROOT$rel/build.log"
    timed "swift build" "$start"
    in_chroot "cd $rel/sample && .build/debug/Smoke '$URL'"
  )
  check_user_agent tailnet
  part_done "swift (sample project)"
  ;;
*) echo "unknown part $p (python, npm, maven, swift)" >&2; exit 1 ;;
esac
done

echo
echo "smoke tests of dist/ (${PARTS[*]}):"
echo "smoke: ${#PARTS[@]} passed, 0 failed"
