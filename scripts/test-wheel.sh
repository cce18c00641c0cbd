#!/usr/bin/env bash
# The one wheel of the test command: build the abi3 wheel (profile `ci`: `release` without LTO,
# sharing the compiled dependencies of the Rust tests), check what it carries, install it into
# .venv in place of any development build, and check that `import innodex` finds the wheel and
# that the wheel's declared dependencies are met. Every later Python step tests this wheel.
#
#   PROFILE=release ./scripts/test-wheel.sh    # the wheel as users get it (thin LTO)
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
rm -rf dist
maturin build --profile "${PROFILE:-ci}" -q -o dist
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
python -m pip install -q --force-reinstall --no-deps "$wheel"
python -m pip check
# From the repository root the package sources live under python/, which is not on the
# interpreter's path, so `import innodex` can only find the wheel; check it.
python - <<'PY'
import innodex, pathlib
where = pathlib.Path(innodex.__file__).resolve()
assert "site-packages" in where.parts, where
print("testing the installed wheel at", where.parent)
PY
