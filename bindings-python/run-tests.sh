#!/usr/bin/env bash
# Python binding: build the package from source (PEP 517, maturin) into a venv outside the
# repository, then the generated-files drift check, pytest (fixture corpus through every surface,
# end to end against the fake tailnet), and mypy --strict on the example program.
# Idempotent; set-up is skipped when present. Uses one build job (2-core machines).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/tailnet/py-venv"
PINS=(maturin==1.16.0 pytest==9.2.0 mypy==2.4.1 httpx==0.28.1)

step() { printf '\n--- python: %s ---\n' "$*"; }

step "venv ($VENV)"
if ! "$VENV/bin/python" -c 'import maturin, pytest, mypy, httpx' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
fi
export PYO3_PYTHON="$VENV/bin/python"

step "generated models.py / _client.pyi are current (tailnet-python-stubgen --check)"
cargo run -q -j1 -p tailnet-python --bin tailnet-python-stubgen -- --check

step "clippy on the pyo3 surface"
cargo clippy -q -j1 -p tailnet-python --features python --all-targets -- -D warnings

step "build the fake tailnet"
cargo build -q -j1 -p fake-tailnet

step "pip install ./bindings-python (PEP 517 build with maturin, abi3 wheel)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings-python
(cd /tmp && "$VENV/bin/python" -c 'import tailnet; print("tailnet", tailnet.__version__, "from", tailnet.__file__, "-", len(tailnet.OPERATIONS), "operations")')

step "pytest"
(cd bindings-python && TAILNET_FAKE_BIN="$ROOT/target/debug/fake-tailnet" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests)

step "mypy --strict on the example program"
(cd /tmp && "$VENV/bin/python" -m mypy --strict --no-incremental "$ROOT/bindings-python/examples/example.py")

echo
echo "python: all checks passed"
