# Sourced (not run) by run-swift-tests.sh and scripts/smoke-dist.sh: the Debian trixie chroot with
# Debian's `swiftlang` (Swift 6.0.3: swiftc, SwiftPM, XCTest, Foundation, FoundationNetworking),
# created once under ${TAILNET_SWIFT_CHROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/tailnet/swift-trixie}
# and reused while it works. Bookworm cannot install swiftlang (it needs libc6 >= 2.38).
#
#   . bindings-swift/swift/chroot.sh
#   swift_chroot_setup            # root check, EXIT trap (unmounts), lock, chroot created or reused
#   bind /some/host/dir /some/host/dir --bind
#   in_chroot 'swift build …'
#
# Mounts (proc, /dev, whatever `bind` adds) live only while the calling script runs and are
# unmounted by the EXIT trap set here, also on failure or interruption. The caller must not set
# its own EXIT trap afterwards (add cleanup work to SWIFT_CHROOT_ON_EXIT instead).
# Needs REPO (the repository, physical path). Records durations in TIMES (see `timed`).
export DEBIAN_FRONTEND=noninteractive
ROOT="${TAILNET_SWIFT_CHROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/tailnet/swift-trixie}"
SUITE=trixie
READY="$ROOT/.tailnet-swift-ready"   # written once swiftlang is installed and compiles
READY_STAMP="swiftlang + libc6-dev, with recommends, v2"
SWIFT_CHROOT_ON_EXIT="${SWIFT_CHROOT_ON_EXIT:-}"   # shell code run by the EXIT trap, before unmounting

step() { printf '\n--- %s ---\n' "$*"; }
now() { date +%s; }
TIMES=()
timed() { # timed LABEL START: records "LABEL: Ns"
  local took=$(( $(now) - $2 ))
  TIMES+=("$1: ${took}s")
  echo "($1 took ${took}s)"
}

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
  if [ -n "$SWIFT_CHROOT_ON_EXIT" ]; then eval "$SWIFT_CHROOT_ON_EXIT" || true; fi
  unmount_all
  exit "$rc"
}

# A mount point already mounted (left by a run that was SIGKILLed) is reused and unmounted at the
# end like the others: the lock taken in swift_chroot_setup makes this run its only user.
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

chroot_works() {
  # /usr/bin/swift is an absolute symbolic link, dangling when seen from the host.
  [ "$(cat "$READY" 2>/dev/null)" = "$READY_STAMP" ] && { [ -L "$ROOT/usr/bin/swift" ] || [ -x "$ROOT/usr/bin/swift" ]; } || return 1
  mount_base
  in_chroot 'swift --version' >/dev/null 2>&1
}

# ---- the chroot (idempotent) --------------------------------------------------------------------
swift_chroot_setup() {
  local start boot inst point MIRROR
  if [ "$(id -u)" != 0 ]; then
    echo "$(basename "$0"): needs root (debootstrap, mount, chroot)" >&2
    exit 1
  fi
  case "$ROOT" in
    "$REPO"|"$REPO"/*) echo "$(basename "$0"): the chroot must live outside the repository ($ROOT)" >&2; exit 1 ;;
  esac
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP

  # One run at a time per chroot (the mounts and the apt state are shared).
  mkdir -p "$(dirname "$ROOT")"
  exec 9>"$ROOT.lock"
  if ! flock -w 1800 9; then
    echo "$(basename "$0"): another run holds $ROOT.lock" >&2
    exit 1
  fi

  step "chroot: Debian $SUITE with swiftlang at $ROOT"
  start=$(now)
  if chroot_works; then
    echo "present: $(in_chroot 'swift --version 2>&1 | head -1')"
  else
    unmount_all
    if [ -n "$(mounted_under_root)" ]; then
      echo "$(basename "$0"): something is still mounted under $ROOT; refusing to rebuild it:" >&2
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
}
