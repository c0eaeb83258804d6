#!/usr/bin/env bash
# Runs every part of the downstream example, as README.md describes them:
#   (a) the no_std build for thumbv6m-none-eabi, and the host tests (RingMem + Loopback + Bare,
#       the driver, the same loop on Linux);
#   (b) the loom models of the crate's submit/reap loop against ring-kernel-sim, at preemption
#       bound 2 (DOWNSTREAM_LOOM_BOUND overrides it);
#   (c) the proptests that reuse the fuzz crate's strategies, model and ledger.
# Exits non-zero at the first failure. `bash run.sh --lint` also runs rustfmt, clippy (host,
# thumbv6m and --cfg loom builds) and rustdoc, all with warnings as errors.
# About 40 s from an empty target directory on 2 cores, most of it compiling (--lint: +25 s).
set -euo pipefail
cd "$(dirname "$0")"

# Everything this script builds stays in this crate's own target directory.
export CARGO_TARGET_DIR="$PWD/target"
LOOM_TARGET_DIR="$PWD/target/loom"

lint=0
case "${1:-}" in
    --lint) lint=1 ;;
    "") ;;
    *) echo "usage: bash run.sh [--lint]" >&2; exit 2 ;;
esac

start=$SECONDS
step() { printf '\n==== [%4ds] %s\n' "$((SECONDS - start))" "$*"; }

step "set-up: the thumbv6m-none-eabi target"
if ! rustup target list --installed | grep -qx thumbv6m-none-eabi; then
    rustup target add thumbv6m-none-eabi
fi

step "(a) no_std library for thumbv6m-none-eabi (ring-core without std or linux; no CAS)"
cargo build --target thumbv6m-none-eabi

step "(a) host tests and doc tests: RingMem + Loopback + Bare, the driver, the same loop on Linux"
cargo test --test loopback
cargo test --doc

step "(b) loom models of the submit/reap loop against ring-kernel-sim (bound ${DOWNSTREAM_LOOM_BOUND:-2})"
RUSTFLAGS="--cfg loom" cargo test --test loom_model --target-dir "$LOOM_TARGET_DIR" -- --nocapture

step "(c) proptests reusing fuzz::strategy, fuzz::Target and fuzz::Ledger"
cargo test --test fuzz_reuse

if [ "$lint" = 1 ]; then
    step "lints: rustfmt; clippy -D warnings (host, thumbv6m, --cfg loom); rustdoc -D warnings"
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings
    cargo clippy --target thumbv6m-none-eabi -- -D warnings
    RUSTFLAGS="--cfg loom" cargo clippy --all-targets --target-dir "$LOOM_TARGET_DIR" -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
fi

step "done: every part passed"
