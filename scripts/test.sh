#!/usr/bin/env bash
# The whole test suite, from a fresh clone: formatting and lints, Rust tests and doctests, the
# example run files, Python stub check, Python tests and doctests, API docs, notebooks, the
# wheel, fuzzing. Does its own set-up.
#
# Each artifact is built once and reused: the Rust tests, the CLI and clippy share the `ci`
# profile and one feature set; one wheel (the bindings crate, crates/innodex-python, also `ci`
# profile) is installed into .venv and every Python step runs against it; the instrumented
# fuzz build is kept in fuzz/target/ and built in the background while the Python steps run.
# The run ends with the test counts and a table of the steps and their seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -d)
fuzz_build_pid=""
# On any exit, stop a background fuzz build before removing its log directory. The trap runs
# under `set -e` and must not fail when that build has already ended (it would turn a passing
# run's exit status into 1).
cleanup() {
  if [ -n "$fuzz_build_pid" ]; then kill "$fuzz_build_pid" 2>/dev/null || true; fi
  rm -rf "$log"
}
trap cleanup EXIT
times=()
last=$SECONDS
current=""
# Each step with the time it starts, so a slow CI run shows where its minutes went.
step() {
  if [ -n "$current" ]; then times+=("$current|$((SECONDS - last))"); fi
  current="$*"
  last=$SECONDS
  printf '\n==> %s  [%s, %ds]\n' "$*" "$(date +%T)" "$SECONDS"
}

step "set-up (virtual environment, Python dependencies; headless Chromium)"
# The Python packages download while the Rust side compiles (clippy, tests).
./scripts/setup.sh >"$log/setup.out" 2>&1 &
setup_pid=$!
./scripts/setup-browser.sh
# The browser test of the run report must run here, never skip.
export INNODEX_REQUIRE_BROWSER=1 MPLBACKEND=Agg

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy (the core crate: CLI feature, all targets)"
cargo clippy --profile ci --all-targets --features cli -- -D warnings
step "core crate: no pyo3 in its dependency tree"
if cargo tree -p innodex --all-features -e normal,build --prefix none | grep -E '^(pyo3|numpy) '; then
  echo "the core crate depends on pyo3 or numpy; the bindings belong in crates/innodex-python" >&2
  exit 1
fi
step "Rust tests and doctests (one test crate; also builds the CLI)"
cargo test --profile ci --features cli 2>&1 | tee "$log/cargo-test.out"
step "Rust example (examples/did_the_plan_work.rs) on both shipped plans"
for plan in linyi-2021-2025 shandong-2022-2027; do
  ./target/ci/examples/did_the_plan_work "$plan" | tail -1
done
step "innodex check on every example run file (scenarios/*.run.toml)"
for f in scenarios/*.run.toml; do
  ./target/ci/innodex check "$f" --quiet
done

step "Python set-up (waiting for it)"
if ! wait "$setup_pid"; then
  cat "$log/setup.out"
  echo "set-up failed" >&2
  exit 1
fi
. .venv/bin/activate
# The fuzz targets compile while the (mostly single-threaded) Python steps run.
(nice ./scripts/fuzz.sh --build-only >"$log/fuzz-build.out" 2>&1; echo $? >"$log/fuzz-build.rc") &
fuzz_build_pid=$!
step "the wheel: built once, installed into .venv, checked"
./scripts/test-wheel.sh
step "cargo clippy (the bindings crate, in the wheel's build environment)"
# pyo3's build scripts rerun whenever PATH, VIRTUAL_ENV or a PYO3_* variable differs from
# their last run, and everything above them recompiles (about 80 s). So the bindings crate is
# linted here, after the wheel, in the environment maturin gave its own cargo call (maturin
# 1.x: `env -u CARGO PYO3_BUILD_EXTENSION_MODULE=1 PYO3_CONFIG_FILE=… PYO3_PYTHON=…`); the
# wheel of the next run then finds pyo3 up to date. Should maturin change these, the cost is
# a rebuild, never a wrong result.
pyo3_config=$(ls "$PWD"/target/maturin/pyo3-config-*-abi3.txt)
env -u CARGO PYO3_BUILD_EXTENSION_MODULE=1 PYO3_CONFIG_FILE="$pyo3_config" \
  PYO3_ENVIRONMENT_SIGNATURE="cpython-3.11-64bit" PYO3_PYTHON="$PWD/.venv/bin/python" \
  PYTHON_SYS_EXECUTABLE="$PWD/.venv/bin/python" \
  cargo clippy --profile ci -p innodex-python --all-targets -- -D warnings
step "ruff"
ruff check .
step "stubs: generated from the compiled module and up to date; mypy.stubtest"
python scripts/stubs.py --check
python -m mypy.stubtest innodex._core
step "Python tests and doctests (against the installed wheel)"
# From the repository root the package sources under python/ are not importable, so these
# test the wheel; the doctests are those of the installed package (--pyargs).
python -m pytest -q -p no:cacheprovider tests/python 2>&1 | tee "$log/pytest.out"
python -m pytest -q -p no:cacheprovider --doctest-modules --pyargs innodex 2>&1 |
  tee "$log/doctest.out"
step "API reference (pdoc, warnings are errors) -> site/"
python -W error -m pdoc -o site innodex
test -s site/innodex.html
step "notebooks"
python -m pytest -q -p no:cacheprovider --nbmake notebooks 2>&1 | tee "$log/nb.out"
step "fuzz the parsers (instrumented build, then 45 s of libFuzzer in all)"
wait "$fuzz_build_pid" || true
if [ "$(cat "$log/fuzz-build.rc")" != 0 ]; then
  cat "$log/fuzz-build.out"
  echo "fuzz build failed" >&2
  exit 1
fi
./scripts/fuzz.sh 45 | tee "$log/fuzz.out"
step "done"

# What ran: the counts (compare them before and after a change to the suite).
sum_passed() { grep -Eo "$1" "$2" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}'; }
rust_tests=$(awk '/Doc-tests/ {d = 1} /^test result/ && !d {s += $4} END {print s + 0}' "$log/cargo-test.out")
doctests=$(awk '/Doc-tests/ {d = 1} /^test result/ && d {s += $4} END {print s + 0}' "$log/cargo-test.out")
pytests=$(sum_passed '[0-9]+ passed' "$log/pytest.out")
pydoctests=$(sum_passed '[0-9]+ passed' "$log/doctest.out")
notebooks=$(sum_passed '[0-9]+ passed' "$log/nb.out")
fuzz_targets=$(grep -c '^==> fuzz' "$log/fuzz.out")
printf '\nall tests passed\n\n'
printf '%-10s %s\n' "Rust tests" "$rust_tests" "doctests" "$doctests" "Python" "$pytests" \
  "Py doctest" "$pydoctests" "notebooks" "$notebooks" "fuzzed" "$fuzz_targets targets"
printf '\n%-72s %6s\n' "step" "seconds"
for t in "${times[@]}"; do
  printf '%-72s %6s\n' "${t%|*}" "${t##*|}"
done
printf '%-72s %6s\n' "total" "$SECONDS"
