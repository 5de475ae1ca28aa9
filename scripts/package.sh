#!/usr/bin/env bash
# Release artifacts, as users install them, into dist/ (gitignored; written anew each run):
#
#   dist/python/tailnet-X.Y.Z.tar.gz                                   sdist (builds: the wheel is built from it)
#   dist/python/tailnet-X.Y.Z-cp39-abi3-manylinux2014_x86_64.….whl     abi3 wheel, checked by auditwheel
#   dist/npm/tailnet-X.Y.Z.tgz                                         `npm pack` of bindings-wasm/pkg
#   dist/maven/io/github/tailnet-rs/tailnet-kotlin/X.Y.Z/…             jar (+ native library), sources jar, POM
#                                                                      in Maven repository layout (+ .sha1/.md5)
#   dist/swift/tailnet-swift/ and dist/swift/tailnet-swift-X.Y.Z.zip   the SwiftPM package with the Linux
#                                                                      static library (lib/linux-x86_64/)
#   dist/SHA256SUMS
#
# The version is the Cargo workspace version (Cargo.toml [workspace.package]): maturin reads it,
# bindings-wasm/build.sh stamps it into package.json, the POM must carry it; all are checked here.
# The Apple XCFramework is made on macOS by bindings-swift/swift/build-xcframework.sh (not run here).
#
# Builds what it ships (incremental: a repeated run rebuilds nothing). With TAILNET_PACKAGE_REUSE=1
# (scripts/test-all.sh, after the per-language stages) it packs what those stages built instead:
# the wheel and sdist of bindings-python/run-tests.sh, bindings-wasm/pkg, the Maven jar's classes.
# The native library for Kotlin and Swift is the release build of tailnet-uniffi (one cargo build
# gives both the .so and the .a). Smoke tests of dist/: scripts/smoke-dist.sh.
#
# Environment: CARGO_BUILD_JOBS (default 1), TAILNET_PACKAGE_REUSE, TAILNET_M2_REPO (default ~/.m2/repository).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/workspace.sh
REPO="$(pwd -P)"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
REUSE="${TAILNET_PACKAGE_REUSE:-0}"
M2_REPO="${TAILNET_M2_REPO:-$HOME/.m2/repository}"
say() { printf '\n--- package: %s ---\n' "$*"; }
die() { echo "package.sh: $*" >&2; exit 1; }
START=$SECONDS

VERSION="$(workspace_version)"
TARGET_DIR="$(cargo_target_dir)"
DIST="$REPO/dist"
rm -rf "$DIST"
mkdir -p "$DIST/python" "$DIST/npm" "$DIST/maven" "$DIST/swift"
work="$(mktemp -d "${TMPDIR:-/tmp}/tailnet-package.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "version $VERSION (Cargo workspace) → $DIST (reuse builds: $REUSE)"

# ---- Python --------------------------------------------------------------------------------------
say "Python: sdist + manylinux2014 abi3 wheel built from it (bindings-python/build-dist.sh)"
PY_OUT="$TARGET_DIR/python-dist"   # where bindings-python/run-tests.sh builds them too
if [ "$REUSE" != 1 ] || ! ls "$PY_OUT"/tailnet-"$VERSION"-*.whl "$PY_OUT/tailnet-$VERSION.tar.gz" >/dev/null 2>&1; then
  bash bindings-python/build-dist.sh "$PY_OUT"
fi
cp "$PY_OUT/tailnet-$VERSION.tar.gz" "$PY_OUT"/tailnet-"$VERSION"-cp39-abi3-manylinux2014_x86_64*.whl "$DIST/python/"
WHEEL="$(ls "$DIST"/python/*.whl)"
# tailnet.__version__ from the wheel's native module itself (unpacked; abi3 imports on this Python).
mkdir "$work/wheel"
python3 -m zipfile -e "$WHEEL" "$work/wheel"
PY_VERSION="$(cd "$work" && PYTHONPATH="$work/wheel" python3 -c 'import tailnet; print(tailnet.__version__)')"
echo "wheel: tailnet.__version__ = $PY_VERSION"

# ---- npm -----------------------------------------------------------------------------------------
say "npm: npm pack of bindings-wasm/pkg"
PKG="$REPO/bindings-wasm/pkg"
if [ "$REUSE" != 1 ] || [ ! -f "$PKG/package.json" ]; then
  bash bindings-wasm/build.sh
fi
NPM_VERSION="$(node -p 'require(process.argv[1]).version' "$PKG/package.json")"
(cd "$PKG" && npm pack --silent --ignore-scripts --pack-destination "$DIST/npm" >/dev/null)
TGZ="$DIST/npm/tailnet-$NPM_VERSION.tgz"
[ -f "$TGZ" ] || die "npm pack wrote $(ls "$DIST/npm"), expected $(basename "$TGZ")"
# Reproducible: the same bytes when packed again (npm fixes owners and mtimes), and exactly the
# file list of bindings-wasm/package/files.txt (a new module must be added there on purpose).
mkdir "$work/npm2"
(cd "$PKG" && npm pack --silent --ignore-scripts --pack-destination "$work/npm2" >/dev/null)
cmp -s "$TGZ" "$work/npm2/$(basename "$TGZ")" || die "npm pack is not reproducible (two packs differ)"
tar -tzf "$TGZ" | sed 's:^package/::' | LC_ALL=C sort >"$work/npm-files.txt"
if ! diff -u <(LC_ALL=C sort bindings-wasm/package/files.txt) "$work/npm-files.txt"; then
  die "the npm tarball's files differ from bindings-wasm/package/files.txt (diff above: - expected, + packed)"
fi
echo "$(wc -l <"$work/npm-files.txt") files, reproducible"

# ---- the release native library (Kotlin's .so, Swift's .a: one build) --------------------------
# Profile release-mobile (Cargo.toml: release with opt-level "z"), the one bindings-swift/measure.sh
# measures; the .so is shipped stripped.
say "cargo build --profile release-mobile -p tailnet-uniffi (libtailnet_uniffi.so for the jar, .a for Swift)"
t=$SECONDS
cargo build -q --profile release-mobile -p tailnet-uniffi
echo "($((SECONDS - t))s)"
mkdir -p "$work/stripped"
SO="$work/stripped/libtailnet_uniffi.so"
cp "$TARGET_DIR/release-mobile/libtailnet_uniffi.so" "$SO"
strip "$SO"
STATIC="$TARGET_DIR/release-mobile/libtailnet_uniffi.a"

# ---- the uniffi-generated Kotlin and Swift sources (build outputs: <target>/uniffi, and copies in
# the Swift package's Sources/) ---------------------------------------------------------------------
say "uniffi-bindgen: Kotlin and Swift sources (bindings-swift/generate.sh)"
bash bindings-swift/generate.sh
GEN="$TARGET_DIR/uniffi"

# ---- Kotlin / Maven ------------------------------------------------------------------------------
say "Kotlin: jar (+ linux-x86-64/libtailnet_uniffi.so), sources jar, POM in Maven repository layout"
POM=bindings-swift/kotlin/pom.xml
POM_VERSION="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$POM" | head -n1)"
[ "$POM_VERSION" = "$VERSION" ] || die "$POM has version $POM_VERSION, the Cargo workspace $VERSION: make them agree"
KOUT="$TARGET_DIR/tailnet-kotlin"   # bindings-swift/run-tests.sh's Maven build directory
if [ "$REUSE" != 1 ] || [ ! -f "$KOUT/tailnet-kotlin.jar" ]; then
  command -v mvn >/dev/null || { apt-get update -qq && apt-get install -y -qq default-jdk-headless maven >/dev/null; }
  # Compiles incrementally in the same build directory as the tests; the native library in that
  # jar is replaced below anyway.
  MAVEN_OPTS="${MAVEN_OPTS:--Xmx1g}" mvn -B -ntp -q -f "$POM" "-Dmaven.repo.local=$M2_REPO" "-Dtailnet.buildDir=$KOUT" \
    "-Dtailnet.nativeDir=$TARGET_DIR/debug" "-Dtailnet.generatedKotlin=$GEN/kotlin" -DskipTests package </dev/null
fi
MVN_DIR="$DIST/maven/io/github/tailnet-rs/tailnet-kotlin/$VERSION"
mkdir -p "$MVN_DIR" "$work/native/linux-x86-64"
JAR="$MVN_DIR/tailnet-kotlin-$VERSION.jar"
cp "$KOUT/tailnet-kotlin.jar" "$JAR"
cp "$SO" "$work/native/linux-x86-64/libtailnet_uniffi.so"
jar --update --file "$JAR" -C "$work/native" linux-x86-64/libtailnet_uniffi.so
python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$JAR" linux-x86-64/libtailnet_uniffi.so \
  | cmp -s - "$SO" || die "the jar does not carry the release library"
jar tf "$JAR" | grep -q '^tailnet/TailnetClient.class$' || die "the jar lacks tailnet/TailnetClient.class"
jar --create --file "$MVN_DIR/tailnet-kotlin-$VERSION-sources.jar" -C bindings-swift/kotlin/src/main/kotlin . -C "$GEN/kotlin" .
for generated in tailnet/tailnet.kt tailnet/core/tailnet_core.kt; do
  jar tf "$MVN_DIR/tailnet-kotlin-$VERSION-sources.jar" | grep -qx "$generated" || die "the sources jar lacks the generated $generated"
done
jar tf "$JAR" | grep -q '^tailnet/core/DeviceFields.class$' || die "the jar lacks the core's records (tailnet/core/)"
# The published POM: coordinates, metadata and run-time dependencies; the build section, the
# test dependency and the build-only properties are for this repository's build only.
python3 - "$POM" "$MVN_DIR/tailnet-kotlin-$VERSION.pom" <<'PY'
import sys, xml.etree.ElementTree as ET
NS = "http://maven.apache.org/POM/4.0.0"
ET.register_namespace("", NS)
tree = ET.parse(sys.argv[1])
root = tree.getroot()
q = lambda name: f"{{{NS}}}{name}"
root.remove(root.find(q("build")))
deps = root.find(q("dependencies"))
for dep in list(deps):
    if dep.findtext(q("scope")) == "test":
        deps.remove(dep)
props = root.find(q("properties"))
for prop in list(props):
    name = prop.tag.split("}")[1]
    if name.startswith(("tailnet.", "kotlin.compiler.")) or name == "junit.version":
        props.remove(prop)
ET.indent(tree, space="  ")
tree.write(sys.argv[2], encoding="UTF-8", xml_declaration=True)
with open(sys.argv[2], "a") as f:
    f.write("\n")
PY
grep -q "<version>$VERSION</version>" "$MVN_DIR/tailnet-kotlin-$VERSION.pom" || die "the published POM lacks version $VERSION"
cat >"$DIST/maven/io/github/tailnet-rs/tailnet-kotlin/maven-metadata.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>io.github.tailnet-rs</groupId>
  <artifactId>tailnet-kotlin</artifactId>
  <versioning>
    <latest>$VERSION</latest>
    <release>$VERSION</release>
    <versions><version>$VERSION</version></versions>
    <lastUpdated>$(date -u +%Y%m%d%H%M%S)</lastUpdated>
  </versioning>
</metadata>
XML
for f in "$MVN_DIR"/* "$DIST/maven/io/github/tailnet-rs/tailnet-kotlin/maven-metadata.xml"; do
  sha1sum "$f" | cut -c1-40 >"$f.sha1"
  md5sum "$f" | cut -c1-32 >"$f.md5"
done
echo "io.github.tailnet-rs:tailnet-kotlin:$VERSION"

# ---- Swift ---------------------------------------------------------------------------------------
say "Swift: the package with the Linux static library (folder + zip)"
SW="$DIST/swift/tailnet-swift"
mkdir -p "$SW/lib/linux-x86_64"
cp bindings-swift/swift/Package.swift "$SW/"
cp -R bindings-swift/swift/Sources bindings-swift/swift/Tests "$SW/"
for generated in Tailnet/Tailnet.swift Tailnet/TailnetCore.swift TailnetFFI/include/TailnetFFI.h TailnetFFI/include/TailnetCoreFFI.h \
                 TailnetFFI/include/module.modulemap; do
  cmp -s "$SW/Sources/$generated" "$GEN/swift/$(basename "$generated")" || die "the Swift package lacks the generated Sources/$generated"
done
cp "$STATIC" "$SW/lib/linux-x86_64/libtailnet_uniffi.a"
echo "$VERSION" >"$SW/VERSION"
cat >"$SW/README.md" <<EOF
# tailnet (Swift) $VERSION

SwiftPM package \`Tailnet\` (library product \`Tailnet\`), tools version 5.9 (Swift 5 language mode).

- **Linux (x86_64)**: the static library is in \`lib/linux-x86_64/libtailnet_uniffi.a\`; pass its
  folder to the linker: \`swift build -Xlinker -L<this folder>/lib/linux-x86_64\`. Built and
  tested with Swift 6.0.3 (Debian trixie's \`swiftlang\`), glibc ≥ 2.36.
- **Apple platforms**: \`Package.swift\` expects \`TailnetFFI.xcframework\` next to it, made on macOS
  by \`bindings-swift/swift/build-xcframework.sh\` in the tailnet repository (not part of this
  Linux-built folder).

\`\`\`swift
.package(path: "../tailnet-swift")   // or the URL of the published tailnet-swift repository
.product(name: "Tailnet", package: "tailnet-swift")
\`\`\`

\`Tests/\` are the package's own XCTests (they need the tailnet repository's fixtures and fake server).
EOF
# Zip with fixed timestamps and sorted entries (python3's zipfile: no zip tool needed).
python3 - "$DIST/swift" tailnet-swift "$DIST/swift/tailnet-swift-$VERSION.zip" <<'PY'
import os, sys, zipfile
base, top, out = sys.argv[1:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
    for dirpath, dirnames, filenames in sorted(os.walk(os.path.join(base, top))):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            info = zipfile.ZipInfo(os.path.relpath(path, base), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                z.writestr(info, f.read())
PY
echo "Apple: the XCFramework is made on macOS by bindings-swift/swift/build-xcframework.sh (not run here)"

# ---- versions agree ------------------------------------------------------------------------------
say "versions"
printf '  %-40s %s\n' "Cargo workspace" "$VERSION" "tailnet.__version__ (wheel)" "$PY_VERSION" \
  "npm package.json" "$NPM_VERSION" "POM" "$POM_VERSION" "Swift package VERSION" "$(cat "$SW/VERSION")"
for v in "$PY_VERSION" "$NPM_VERSION" "$POM_VERSION"; do
  [ "$v" = "$VERSION" ] || die "versions disagree (above)"
done
case "$WHEEL" in *"/tailnet-$VERSION-"*) ;; *) die "the wheel's name does not carry $VERSION" ;; esac

(cd "$DIST" && find . -type f ! -name SHA256SUMS ! -path './swift/tailnet-swift/*' ! -name '*.sha1' ! -name '*.md5' \
  | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
say "dist/ ($((SECONDS - START))s)"
(cd "$DIST" && find . -type f ! -path './swift/tailnet-swift/*' ! -name '*.sha1' ! -name '*.md5' | LC_ALL=C sort | xargs ls -l | awk '{printf "  %12d  %s\n", $5, $9}')
printf '  %12s  %s\n' "$(du -sb "$SW" | cut -f1)" "./swift/tailnet-swift/ (folder)"
