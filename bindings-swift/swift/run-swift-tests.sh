#!/usr/bin/env bash
# Builds and tests the Swift package (bindings-swift/swift) on Linux, in a Debian trixie chroot
# that carries Debian's `swiftlang` (Swift 6.0.3: swiftc, SwiftPM, XCTest, Foundation,
# FoundationNetworking). Bookworm cannot install it (it needs libc6 >= 2.38), hence the chroot.
#
#   1. chroot: created once under ${TAILNET_SWIFT_CHROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/tailnet/swift-trixie}
#      (debootstrap --variant=minbase trixie + apt-get install swiftlang), reused while it works
#   2. host: cargo build -p tailnet-uniffi (debug, as run-tests.sh) and -p fake-tailnet
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
REPO="$(pwd -P)"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
export DEBIAN_FRONTEND=noninteractive
ROOT="${TAILNET_SWIFT_CHROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/tailnet/swift-trixie}"
SUITE=trixie
READY="$ROOT/.tailnet-swift-ready"   # written once swiftlang is installed and compiles
READY_STAMP="swiftlang + libc6-dev, with recommends, v2"

step() { printf '\n--- %s ---\n' "$*"; }
now() { date +%s; }
TIMES=()
timed() { # timed LABEL START: records "LABEL: Ns"
  local took=$(( $(now) - $2 ))
  TIMES+=("$1: ${took}s")
  echo "($1 took ${took}s)"
}

if [ "$(id -u)" != 0 ]; then
  echo "run-swift-tests.sh: needs root (debootstrap, mount, chroot)" >&2
  exit 1
fi
case "$ROOT" in
  "$REPO"|"$REPO"/*) echo "run-swift-tests.sh: the chroot must live outside the repository ($ROOT)" >&2; exit 1 ;;
esac

# ---- mounts -------------------------------------------------------------------------------------
MOUNTED=()   # mount points inside $ROOT, in mount order
mounted_under_root() { # prints the mount points at or below $ROOT (from /proc/self/mounts)
  awk -v root="$ROOT" '{ gsub(/\\040/, " ", $2); if ($2 == root || index($2, root "/") == 1) print $2 }' /proc/self/mounts
}
unmount_all() {
  local i point
  for (( i=${#MOUNTED[@]}-1; i>=0; i-- )); do
    point="${MOUNTED[$i]}"
    if mountpoint -q "$point" 2>/dev/null; then
      umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || echo "warning: could not unmount $point" >&2
    fi
  done
  MOUNTED=()
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  unmount_all
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A mount point already mounted (left by a run that was SIGKILLed) is reused and unmounted at the
# end like the others: the lock below makes this run its only user.
bind() { # bind SOURCE TARGET_INSIDE_ROOT [mount options…]
  local source="$1" target="$ROOT$2"; shift 2
  mkdir -p "$target"
  mountpoint -q "$target" || mount "$@" "$source" "$target"
  MOUNTED+=("$target")
}
mount_base() {
  mkdir -p "$ROOT/proc"
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  MOUNTED+=("$ROOT/proc")
  bind /dev /dev --bind
  if [ -d /dev/pts ]; then bind /dev/pts /dev/pts --bind; fi
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
}
in_chroot() { # in_chroot COMMAND…: runs a shell command inside the chroot, stdin closed
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive CI="${CI:-}" \
    TAILNET_FAKE_BIN="${TAILNET_FAKE_BIN:-}" TAILNET_FIXTURES="${TAILNET_FIXTURES:-}" \
    /bin/sh -c "$1" </dev/null
}

# One run at a time per chroot (the mounts and the apt state are shared).
mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
if ! flock -w 1800 9; then
  echo "run-swift-tests.sh: another run holds $ROOT.lock" >&2
  exit 1
fi

# ---- 1. the chroot (idempotent) -----------------------------------------------------------------
chroot_works() {
  # /usr/bin/swift is an absolute symbolic link, dangling when seen from the host.
  [ "$(cat "$READY" 2>/dev/null)" = "$READY_STAMP" ] && { [ -L "$ROOT/usr/bin/swift" ] || [ -x "$ROOT/usr/bin/swift" ]; } || return 1
  mount_base
  in_chroot 'swift --version' >/dev/null 2>&1
}

step "chroot: Debian $SUITE with swiftlang at $ROOT"
start=$(now)
if chroot_works; then
  echo "present: $(in_chroot 'swift --version 2>&1 | head -1')"
else
  unmount_all
  if [ -n "$(mounted_under_root)" ]; then
    echo "run-swift-tests.sh: something is still mounted under $ROOT; refusing to rebuild it:" >&2
    mounted_under_root >&2
    exit 1
  fi
  if ! command -v debootstrap >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq debootstrap >/dev/null
  fi
  # The host's Debian mirror (deb822 sources), falling back to deb.debian.org.
  MIRROR="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
             /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  MIRROR="${MIRROR:-http://deb.debian.org/debian}"
  if [ ! -x "$ROOT/usr/bin/apt-get" ] || [ ! -f "$ROOT/.tailnet-debootstrap-done" ]; then
    rm -rf "$ROOT"
    echo "debootstrap --variant=minbase $SUITE from $MIRROR"
    boot=$(now)
    if ! debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1; then
      tail -n 30 "$ROOT.debootstrap.log" >&2
      # debootstrap may leave proc/sys mounted inside the target on failure.
      for point in $(mounted_under_root | sort -r); do umount -l "$point" || true; done
      exit 1
    fi
    for point in $(mounted_under_root | sort -r); do umount -l "$point" || true; done
    touch "$ROOT/.tailnet-debootstrap-done"
    timed "chroot: debootstrap" "$boot"
  fi
  mount_base
  echo "apt-get install swiftlang (inside the chroot)"
  inst=$(now)
  # libc6-dev (only a recommend of gcc) is needed: without the C library headers and crt files
  # nothing compiles ("libc not found for 'x86_64-pc-linux-gnu'").
  in_chroot 'apt-get update -qq && apt-get install -y -qq swiftlang libc6-dev ca-certificates >/dev/null'
  in_chroot 'apt-get clean'
  in_chroot 'swift --version'
  echo "$READY_STAMP" >"$READY"
  timed "chroot: swiftlang install" "$inst"
fi
timed "chroot setup" "$start"

# ---- 2. the Rust static library and the fake tailnet (host) -------------------------------------
step "host: cargo build -p tailnet-uniffi -p fake-tailnet (debug)"
start=$(now)
cargo build -q -p tailnet-uniffi
cargo build -q -p fake-tailnet
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
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
