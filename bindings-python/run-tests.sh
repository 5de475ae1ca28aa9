#!/usr/bin/env bash
# Python binding: the release artifacts (sdist, and the
# manylinux2014 abi3 wheel built from it: build-dist.sh) with the wheel installed into a venv
# outside the repository, pytest (fixture corpus through every surface, end to end against the
# fake tailnet), and mypy --strict on the example program.
# Idempotent; set-up is skipped when present. Uses one build job (2-core machines).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/workspace.sh
ROOT=$PWD
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/tailnet/py-venv"
PINS=(maturin==1.16.0 pytest==9.2.0 mypy==2.4.1 httpx==0.28.1 pdoc==16.0.0)

step() { printf '\n--- python: %s ---\n' "$*"; }

step "venv ($VENV)"
if ! "$VENV/bin/python" -c 'import maturin, pytest, mypy, httpx, pdoc' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
fi
export PYO3_PYTHON="$VENV/bin/python"

step "clippy on the pyo3 surface"
cargo clippy -q -j1 -p tailnet-python --features python --all-targets -- -D warnings

step "build the fake tailnet"
cargo build -q -j1 -p fake-tailnet

step "the release artifacts: sdist, then the manylinux2014 abi3 wheel built from it (build-dist.sh); pip install the wheel"
# The tests run against the wheel users get (scripts/package.sh ships these same two files).
DIST_DIR="$(cargo_target_dir)/python-dist"
bash bindings-python/build-dist.sh "$DIST_DIR"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$DIST_DIR"/tailnet-*-manylinux2014_x86_64*.whl
(cd /tmp && "$VENV/bin/python" -c 'import tailnet; print("tailnet", tailnet.__version__, "from", tailnet.__file__, "-", len(tailnet.OPERATIONS), "operations")')

step "pytest"
(cd bindings-python && TAILNET_FAKE_BIN="$ROOT/target/debug/fake-tailnet" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests)

step "mypy --strict on the example program"
(cd /tmp && "$VENV/bin/python" -m mypy --strict --no-incremental "$ROOT/bindings-python/examples/example.py")

step "API reference: pdoc over the installed package, warnings are errors (target/doc-python)"
pdoc_log="$(mktemp)"
(cd /tmp && "$VENV/bin/python" -W error::UserWarning - "$ROOT/target/doc-python" 2>"$pdoc_log" <<'PY'
import sys
from pathlib import Path
import pdoc
import tailnet
# The model classes are loaded lazily (module __getattr__); pdoc reads the module's namespace.
for name in tailnet._LAZY_MODELS + ("models", "webhooks"):
    setattr(tailnet, name, getattr(tailnet, name))
pdoc.pdoc("tailnet", output_directory=Path(sys.argv[1]))
PY
) || { cat "$pdoc_log"; exit 1; }
if [ -s "$pdoc_log" ]; then cat "$pdoc_log"; echo "pdoc warned (above)"; exit 1; fi
rm -f "$pdoc_log"
# help() shows the spec's description at run time, not only in the stubs.
(cd /tmp && "$VENV/bin/python" - <<'PY'
import pydoc, tailnet
text = pydoc.render_doc(tailnet.Client.set_device_tags, renderer=pydoc.plaintext)
assert "Tags let you assign an identity to a device" in text and "OAuth scopes (any one): `devices:core`" in text, text
PY
)
# Model fields carry the spec's description (attribute docstrings, shown by IDEs and pdoc).
grep -q "if the keys for the device will not expire" "$ROOT/target/doc-python/tailnet/models.html"
echo "pdoc: target/doc-python/index.html"

echo
echo "python: all checks passed"
