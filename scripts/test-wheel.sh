#!/usr/bin/env bash
# Packaging check: build the release abi3 wheel, install it into a fresh virtual environment
# and run the Python test suite against the installed wheel (not the development build).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. .venv/bin/activate
rm -rf dist
maturin build --release -q -o dist
wheel=$(ls dist/innodex-*-abi3-*.whl)
echo "built $wheel"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python -m venv "$tmp/venv"
# Reuse the dev environment's already-downloaded test dependencies through pip's cache.
extras=$(python - <<'PY'
import tomllib
with open("pyproject.toml", "rb") as f:
    print(" ".join(tomllib.load(f)["project"]["optional-dependencies"]["test"]))
PY
)
# shellcheck disable=SC2086
"$tmp/venv/bin/python" -m pip install -q "$wheel" $extras
cp -r tests/python "$tmp/tests"
cd "$tmp"
# Run from outside the source tree so that `import innodex` can only find the wheel.
"$tmp/venv/bin/python" - <<'PY'
import innodex, pathlib
where = pathlib.Path(innodex.__file__).resolve()
assert "site-packages" in where.parts, where
print("testing the installed wheel at", where.parent)
PY
MPLBACKEND=Agg INNODEX_REPO="$root" "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider "$tmp/tests"
