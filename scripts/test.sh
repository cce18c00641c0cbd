#!/usr/bin/env bash
# The whole test suite, from a fresh clone: formatting and lints, Rust tests and doctests,
# Python stub check, Python tests and doctests, notebooks. Does its own set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step with the time it starts, so a slow CI run shows where its minutes went.
step() { printf '\n==> %s  [%s, %ds]\n' "$*" "$(date +%T)" "$SECONDS"; }

step "set-up (virtual environment, Python dependencies, extension module)"
./scripts/setup.sh
step "set-up (headless Chromium for the HTML report test)"
./scripts/setup-browser.sh
# The browser test of the run report must run here, never skip.
export INNODEX_REQUIRE_BROWSER=1
. .venv/bin/activate
# Rust tests that embed Python must load the venv interpreter's libpython.
LD_LIBRARY_PATH="$(python -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))'):${LD_LIBRARY_PATH:-}"
export LD_LIBRARY_PATH MPLBACKEND=Agg

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy (all features, all targets)"
cargo clippy --release --all-targets --features cli,python -- -D warnings
step "Rust tests and doctests"
cargo test --release --features cli
step "innodex check on every example run file (scenarios/*.run.toml)"
cargo build --release --features cli
for f in scenarios/*.run.toml; do
  ./target/release/innodex check "$f" --quiet
done
step "ruff"
ruff check .
step "stubs (mypy.stubtest)"
python -m mypy.stubtest innodex._core
step "Python tests and doctests"
python -m pytest -q tests/python --doctest-modules python/innodex
step "API reference (pdoc, warnings are errors) -> site/"
python -W error -m pdoc -o site innodex
test -s site/innodex.html
step "notebooks"
python -m pytest -q --nbmake notebooks
step "packaging: the abi3 wheel in a fresh virtual environment"
./scripts/test-wheel.sh
step "fuzz the parsers (cargo fuzz, short run)"
# 10 s per target on a copy of fuzz/corpus/; fails on any crash (see docs/security.md).
./scripts/fuzz.sh 10
step "all tests passed"
