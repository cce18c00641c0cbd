#!/usr/bin/env bash
# Set up the Python side on a fresh machine: a virtual environment in .venv with the test
# dependencies and maturin. The extension itself is built as a wheel by scripts/test-wheel.sh
# (or, for development, `maturin develop --release`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
# The test extras of pyproject.toml, plus maturin to build the extension.
extras=$(python - <<'PY'
import tomllib
with open("pyproject.toml", "rb") as f:
    meta = tomllib.load(f)["project"]
print("\n".join(meta["dependencies"] + meta["optional-dependencies"]["test"]))
PY
)
# shellcheck disable=SC2086
python -m pip install -q "maturin>=1.9,<2" $extras
# Notebooks run under nbmake with the kernel their metadata names: make it this venv's.
python -m ipykernel install --prefix "$VIRTUAL_ENV" --name python3 >/dev/null
