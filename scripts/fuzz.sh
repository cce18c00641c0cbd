#!/usr/bin/env bash
# Fuzzes every parser (cargo fuzz / libFuzzer) for SECONDS_PER_TARGET seconds each (default 20)
# on a temporary copy of the committed seed corpus (fuzz/corpus/<target>/), so the repository
# stays clean. Exits non-zero on the first crash, leak, timeout or out-of-memory, and prints the
# path of the input that caused it (turn it into a test in tests/fuzz_regressions.rs).
#
#   ./scripts/fuzz.sh [SECONDS_PER_TARGET]
#   FUZZ_TARGETS="plan_toml run_toml" ./scripts/fuzz.sh 60    # a subset
#   FUZZ_SANITIZER=none ./scripts/fuzz.sh                      # without AddressSanitizer
#
# Only stable Rust is installed; cargo-fuzz needs nightly-only flags (-Zsanitizer, …), which
# RUSTC_BOOTSTRAP=1 lets stable rustc accept. The fuzz crate has its own workspace, lock file
# and target directory (fuzz/target/), so the main build is not affected.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-20}"
case "$secs" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2 ;;
esac
sanitizer="${FUZZ_SANITIZER:-address}"
targets="${FUZZ_TARGETS:-plan_toml scenario_toml index_spec_toml coinr_csv panel_csv run_toml}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

triple="$(rustc -vV | sed -n 's/^host: //p')"
# --debug-assertions: overflow and debug checks on, so arithmetic surprises become findings.
cargo fuzz build --release --debug-assertions -s "$sanitizer"
bindir="fuzz/target/$triple/release"

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
    echo "FAILED: $t (reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run -s $sanitizer $t fuzz/artifacts/$t/<file>)"
  fi
done
if [ "$status" -ne 0 ]; then
  echo "fuzzing found crashes" >&2
  exit 1
fi
echo "fuzzing: no crashes"
