#!/usr/bin/env bash
# Builds and tests the Swift package (bindings-swift/swift) on Linux, in a Debian trixie chroot
# that carries Debian's `swiftlang` (Swift 6.0.3: swiftc, SwiftPM, XCTest, Foundation,
# FoundationNetworking). Bookworm cannot install it (it needs libc6 >= 2.38), hence the chroot.
#
#   1. chroot: created once under ${TAILNET_SWIFT_CHROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/tailnet/swift-trixie}
#      (debootstrap --variant=minbase trixie + apt-get install swiftlang), reused while it works
#      (chroot.sh, sourced: also used by scripts/smoke-dist.sh)
#   2. host: cargo build -p tailnet-uniffi (debug, as run-tests.sh) and -p fake-tailnet; the
#      uniffi-generated Tailnet.swift, TailnetCore.swift, their headers and module map copied into the package's
#      Sources (bindings-swift/generate.sh; build outputs, ignored by git)
#   3. chroot: swift build + swift test, linking the static libtailnet_uniffi.a (no
#      LD_LIBRARY_PATH); the tests start the fake tailnet ($TAILNET_FAKE_BIN) over loopback
#
# Runs as root (debootstrap, mount, chroot), non-interactively. Mounts (proc, /dev, the repository
# and the cargo target directory, at their host paths) live only while the script runs and are
# unmounted by an EXIT trap, also on failure or interruption.
#
#   bash bindings-swift/swift/run-swift-tests.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/workspace.sh
REPO="$(pwd -P)"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
# The chroot and its mounts (shared with scripts/smoke-dist.sh): step, timed, bind, in_chroot, …
. "$REPO/bindings-swift/swift/chroot.sh"

# ---- 1. the chroot (idempotent) -----------------------------------------------------------------
swift_chroot_setup

# ---- 2. the Rust static library and the fake tailnet (host) -------------------------------------
step "host: cargo build -p tailnet-uniffi -p fake-tailnet (debug)"
start=$(now)
cargo build -q -p tailnet-uniffi
cargo build -q -p fake-tailnet
bash bindings-swift/generate.sh >/dev/null
TARGET_DIR="$(cargo_target_dir)"
TARGET_DIR="$(cd "$TARGET_DIR" && pwd -P)"
# Only the .a in the -L directory, so the linker cannot pick the .so (no LD_LIBRARY_PATH needed).
LIBDIR="$TARGET_DIR/swift-lib"
mkdir -p "$LIBDIR"
ln -f "$TARGET_DIR/debug/libtailnet_uniffi.a" "$LIBDIR/libtailnet_uniffi.a" 2>/dev/null ||
  { cp "$TARGET_DIR/debug/libtailnet_uniffi.a" "$LIBDIR/.libtailnet_uniffi.a.tmp" && mv "$LIBDIR/.libtailnet_uniffi.a.tmp" "$LIBDIR/libtailnet_uniffi.a"; }
export TAILNET_FAKE_BIN="$TARGET_DIR/debug/fake-tailnet"
export TAILNET_FIXTURES="$REPO/tests/fixtures"
timed "cargo build" "$start"

# ---- 3. swift build + swift test (chroot) -------------------------------------------------------
bind "$REPO" "$REPO" --bind
case "$TARGET_DIR" in
  "$REPO"|"$REPO"/*) ;;
  *) bind "$TARGET_DIR" "$TARGET_DIR" --bind ;;
esac
PKG="$REPO/bindings-swift/swift"
SCRATCH="$TARGET_DIR/swift-build"   # SwiftPM's .build, outside the source tree
SWIFT_FLAGS="--package-path '$PKG' --scratch-path '$SCRATCH' -Xlinker -L'$LIBDIR'"

# SwiftPM does not track libraries found through -L: relink when the Rust library changed.
LIB_STAMP="$(stat -Lc '%s %Y %i' "$TARGET_DIR/debug/libtailnet_uniffi.a")"
if [ "$(cat "$SCRATCH/.tailnet-lib-stamp" 2>/dev/null || true)" != "$LIB_STAMP" ]; then
  rm -f "$SCRATCH"/debug/*.xctest
fi

step "chroot: swift build"
start=$(now)
in_chroot "swift build $SWIFT_FLAGS --build-tests"
mkdir -p "$SCRATCH" && echo "$LIB_STAMP" >"$SCRATCH/.tailnet-lib-stamp"
timed "swift build" "$start"

step "chroot: swift test (fake tailnet: $TAILNET_FAKE_BIN)"
start=$(now)
in_chroot "swift test $SWIFT_FLAGS --skip-build"
timed "swift test" "$start"

step "durations"
printf '  %s\n' "${TIMES[@]}"
