#!/usr/bin/env bash
# Fuzzes every parser (libFuzzer through libfuzzer-sys) within one total time budget in seconds
# (default 60), split evenly between the targets, on a temporary copy of the committed seed
# corpus (fuzz/corpus/<target>/), so the repository stays clean. Exits non-zero on the first
# crash, leak, timeout or out-of-memory, and prints the path of the input that caused it (turn
# it into a test in tests/it/fuzz_regressions.rs, which replays the corpus in `cargo test`).
#
#   ./scripts/fuzz.sh [TOTAL_SECONDS]
#   FUZZ_TARGETS="plan_toml run_toml" ./scripts/fuzz.sh 60    # a subset
#   FUZZ_SANITIZER=none ./scripts/fuzz.sh                      # without AddressSanitizer
#   ./scripts/fuzz.sh --build-only                             # build (or reuse) the targets
#
# The instrumented build is what `cargo fuzz build --release --debug-assertions -s address`
# makes (the same sanitizer-coverage flags), done with plain cargo so no cargo-fuzz install is
# needed. Only stable Rust is installed; -Zsanitizer is nightly-only, which RUSTC_BOOTSTRAP=1
# lets stable rustc accept. The fuzz crate has its own workspace, lock file and target
# directory (fuzz/target/), which later runs reuse: only changed code is rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."

build_only=0
budget=60
case "${1:-}" in
  --build-only) build_only=1 ;;
  '') ;;
  *[!0-9]*) echo "usage: $0 [TOTAL_SECONDS | --build-only]" >&2; exit 2 ;;
  *) budget="$1" ;;
esac
sanitizer="${FUZZ_SANITIZER:-address}"
targets="${FUZZ_TARGETS:-plan_toml scenario_toml index_spec_toml coinr_csv panel_csv run_toml baseline_arg observations_csv}"
export RUSTC_BOOTSTRAP=1

triple="$(rustc -vV | sed -n 's/^host: //p')"
flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"
flags+=" -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares"
flags+=" --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
if [ "$sanitizer" != none ]; then
  flags+=" -Zsanitizer=$sanitizer"
fi
# --target: the build scripts and proc macros run on the host uninstrumented, as in cargo fuzz.
(cd fuzz && RUSTFLAGS="$flags" cargo build --release --quiet --target "$triple" --bins)
bindir="fuzz/target/$triple/release"
if [ "$build_only" = 1 ]; then
  exit 0
fi

n=$(echo "$targets" | wc -w)
secs=$(( budget / n ))
[ "$secs" -ge 1 ] || secs=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for t in $targets; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  cp -R "fuzz/corpus/$t/." "$work/corpus/$t/"
  log="$work/$t.log"
  echo "==> fuzz $t for ${secs}s ($(ls "fuzz/corpus/$t" | wc -l) seeds)"
  # -max_len: the inputs are hand-written text files; 16 KiB holds every seed.
  # -timeout: one input taking 10 s is a hang. -rss_limit_mb: a parser must not need 2 GiB.
  if "$bindir/$t" "$work/corpus/$t" \
      -max_total_time="$secs" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/artifacts/$t/" -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" | tr '\n' ' '
    echo
  else
    status=1
    tail -n 40 "$log"
    mkdir -p fuzz/artifacts/"$t"
    for a in "$work/artifacts/$t"/*; do
      [ -e "$a" ] || continue
      cp "$a" "fuzz/artifacts/$t/"
      echo "FAILED: $t: crashing input kept at fuzz/artifacts/$t/$(basename "$a")"
    done
    echo "FAILED: $t (reproduce: $bindir/$t fuzz/artifacts/$t/<file>)"
  fi
done
if [ "$status" -ne 0 ]; then
  echo "fuzzing found crashes" >&2
  exit 1
fi
echo "fuzzing: no crashes in $n targets"
