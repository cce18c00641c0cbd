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
# The wheel carries the type information: the extension's stubs and the py.typed marker.
python - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for need in ("innodex/_core.pyi", "innodex/py.typed", "innodex/scale.py"):
    assert need in names, f"{need} is missing from the wheel"
print("the wheel has the stubs, py.typed and every module")
PY
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
# From the repository root (tests read data/ and specs/ relative to it): the package sources
# live under python/, which is not on this interpreter's path, so `import innodex` can only
# find the wheel; check it.
"$tmp/venv/bin/python" - <<'PY'
import innodex, pathlib
where = pathlib.Path(innodex.__file__).resolve()
assert "site-packages" in where.parts, where
print("testing the installed wheel at", where.parent)
PY
MPLBACKEND=Agg INNODEX_REPO="$root" "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider tests/python
