#!/usr/bin/env bash
# The Python release artifacts of `tailnet`: the sdist, and the abi3 wheel for manylinux2014
# x86_64 built FROM that sdist (so the sdist is proven to build):
#
#   bash bindings-python/build-dist.sh OUT_DIR
#   → OUT_DIR/tailnet-X.Y.Z.tar.gz
#     OUT_DIR/tailnet-X.Y.Z-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#
# 1. `maturin sdist` (the Rust workspace subset the binding needs, Cargo.lock, the Python sources)
# 2. the sdist is unpacked at a fixed place outside the repository (re-unpacked only when its
#    content changes, so cargo's incremental state stays valid), then
#    `maturin build --release --zig --compatibility manylinux2014` there, into the workspace's
#    cargo target folder (target/x86_64-unknown-linux-gnu/release); zig (PyPI `ziglang`) links
#    against glibc 2.17 symbols
# 3. `auditwheel show` must find the wheel consistent with manylinux_2_17_x86_64 (manylinux2014)
#
# The tools (maturin, ziglang, auditwheel; exact versions) live in a venv outside the repository.
# The version is the Cargo workspace version (maturin reads it; checked here).
# Environment: CARGO_BUILD_JOBS (default 1), CARGO_TARGET_DIR (default <repo>/target).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/workspace.sh
ROOT="$(pwd -P)"
OUT="${1:?usage: build-dist.sh OUT_DIR}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/tailnet"
VENV="$CACHE/py-dist-venv"
PINS=(maturin==1.16.0 ziglang==0.17.0 auditwheel==6.8.2)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
say() { printf '[build-dist.sh] %s\n' "$*"; }

if ! "$VENV/bin/python" -c 'import maturin, ziglang, auditwheel' 2>/dev/null \
   || [ "$(cat "$VENV/.pins" 2>/dev/null)" != "${PINS[*]}" ]; then
  say "venv $VENV (${PINS[*]})"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
  echo "${PINS[*]}" >"$VENV/.pins"
fi
export PATH="$VENV/bin:$PATH"

VERSION="$(workspace_version)"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd -P)"
work="$(mktemp -d "${TMPDIR:-/tmp}/tailnet-pydist.XXXXXX")"
trap 'rm -rf "$work"' EXIT

say "models.py / _client.pyi from the core's registry (tailnet-python-stubgen; build outputs)"
cargo run -q -p tailnet-python --bin tailnet-python-stubgen
say "maturin sdist"
maturin sdist -m bindings-python/Cargo.toml -o "$work" >"$work/sdist.log" 2>&1 || { cat "$work/sdist.log"; exit 1; }
sdist="$work/tailnet-$VERSION.tar.gz"
[ -f "$sdist" ] || { ls "$work"; echo "expected $sdist (the Cargo workspace version is $VERSION)" >&2; exit 1; }
# Nothing built may slip into the sdist (a `maturin develop` leaves _native*.so in python/tailnet).
if tar -tzf "$sdist" | grep -E '\.(so|pyd|dylib|whl)$'; then echo "the sdist contains built files (above)" >&2; exit 1; fi

# The sdist's timestamps are fixed (2006), so a fresh unpack would look older than cargo's outputs:
# unpack only when the content changed, with the current time as mtime (-m), and cargo rebuilds.
src_root="$CACHE/py-sdist-build"
sum="$(gzip -dc "$sdist" | sha256sum | cut -c1-64)"
if [ "$(cat "$src_root/.sha256" 2>/dev/null)" != "$sum" ]; then
  rm -rf "$src_root"
  mkdir -p "$src_root"
  tar -xzmf "$sdist" -C "$src_root"
  echo "$sum" >"$src_root/.sha256"
fi
src="$src_root/tailnet-$VERSION"

say "maturin build --release --zig --compatibility manylinux2014 (from the unpacked sdist, $src)"
start=$SECONDS
if ! (cd "$src" && maturin build --release --zig --compatibility manylinux2014 --out "$work/wheels") >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log"
  echo "the wheel did not build from the sdist" >&2
  exit 1
fi
grep -E '^(📦|🔗|🐍)' "$work/build.log" || true
say "built in $((SECONDS - start))s"
wheel="$(ls "$work"/wheels/tailnet-"$VERSION"-cp39-abi3-manylinux2014_x86_64*.whl)"

say "auditwheel show"
auditwheel show "$wheel" | tee "$work/audit.txt"
grep -q '"manylinux_2_17_x86_64"' "$work/audit.txt" || { echo "the wheel is not manylinux2014 (manylinux_2_17)" >&2; exit 1; }
# Exactly one native module, and the typed-package marker.
python3 - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
native = [n for n in names if n.endswith((".so", ".pyd", ".dylib"))]
assert native == ["tailnet/_native.abi3.so"], native
assert "tailnet/py.typed" in names and "tailnet/__init__.py" in names, names
print(len(names), "files in the wheel")
PY

rm -f "$OUT"/tailnet-*.whl "$OUT"/tailnet-*.tar.gz
mv "$sdist" "$wheel" "$OUT/"
say "done: $OUT/$(basename "$sdist"), $OUT/$(basename "$wheel")"
