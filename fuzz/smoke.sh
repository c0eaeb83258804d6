#!/usr/bin/env bash
# Smoke run of every cargo-fuzz target (fuzz/fuzz/): builds them with nightly and libFuzzer,
# runs each for SMOKE_SECONDS (default 20), prints executions per second, fails on any crash.
# Installs the nightly toolchain and cargo-fuzz if they are missing.
#
#   bash fuzz/smoke.sh                 # every target, 20 s each
#   SMOKE_SECONDS=300 bash fuzz/smoke.sh ops
#   SMOKE_SEED=1 bash fuzz/smoke.sh    # a fixed libFuzzer seed (CI): the same mutations each run
set -euo pipefail
cd "$(dirname "$0")"

seconds="${SMOKE_SECONDS:-20}"
seed_arg=()
if [ -n "${SMOKE_SEED:-}" ]; then
    seed_arg=(-seed="$SMOKE_SEED")
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(ops setup_params raw_sqe)
fi

if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal --no-self-update
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

cargo +nightly fuzz build -O

summary=()
for t in "${targets[@]}"; do
    log="fuzz/target/smoke-$t.log"
    mkdir -p "fuzz/corpus/$t" fuzz/target
    echo "==== $t: ${seconds}s"
    if ! cargo +nightly fuzz run -O "$t" -- -max_total_time="$seconds" -print_final_stats=1 "${seed_arg[@]}" \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "FAILED: $t (artifacts in fuzz/fuzz/artifacts/$t; full log $log)"
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
    line="$t: ${runs:-?} executions in ${seconds}s, ${rate:-?} exec/s, ${cov:-cov: ?}"
    echo "$line"
    summary+=("$line")
done

echo "==== cargo-fuzz smoke run"
printf '%s\n' "${summary[@]}"
echo "${#targets[@]} passed, 0 failed"
