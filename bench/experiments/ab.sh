#!/usr/bin/env bash
# A/B of a ring-core change that is NOT applied to the repository: copies the workspace to a
# scratch directory, applies PATCH there, builds
# both benches, then alternates `bench nop` runs of the unchanged and the patched ring-core
# (each run compares ring-core with liburing in one process) and counts instructions per NOP
# with callgrind for both.
#
#   bash bench/experiments/ab.sh PATCH [RUNS]
#
# Prints, per run, the per-round ratio ring-core ÷ liburing (median [IQR] (min–max)).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ $# -lt 1 ]; then
    echo "usage: bash bench/experiments/ab.sh PATCH [RUNS]" >&2
    exit 2
fi
patch_file="$(realpath "$1")"
runs="${2:-2}"
scratch="${TMPDIR:-/tmp}/ring-core-ab"
args=(nop --setups plain,regfd,defer-regfd --batches 1,4,32 --libs ring-core,liburing
      --rounds 151 --target-ms 10)

rm -rf "$scratch" && mkdir -p "$scratch/ws"
(cd "$root" && tar --exclude=./target --exclude=./.git -cf - .) | tar -xf - -C "$scratch/ws"
(cd "$scratch/ws" && patch -p1 < "$patch_file")
(cd "$root" && cargo build --release -p bench)
(cd "$scratch/ws" && CARGO_TARGET_DIR="$scratch/target" cargo build --release -p bench)
main="$root/target/release/bench"
patched="$scratch/target/release/bench"

summary() {
    awk -F'|' '/^#### NOP/{sub("#### NOP round trips, same flags: ",""); printf "\n  %s:", $0}
               /^\| [0-9]/{gsub(/\*/,"",$6); printf "  batch%s%s;", $2, $6}
               END{print ""}' "$1"
    grep -o 'other processes used [0-9]*%[^(]*' "$1" | sed 's/^/  /'
}

for i in $(seq "$runs"); do
    for which in main patched; do
        exe=$main; [ "$which" = patched ] && exe=$patched
        "$exe" "${args[@]}" --md "$scratch/$which-$i.md" --svg "$scratch/$which-$i.svg" \
            >/dev/null 2>&1
        echo "== $which, run $i: ring-core ÷ liburing"
        summary "$scratch/$which-$i.md"
    done
done
for which in main patched; do
    exe=$main; [ "$which" = patched ] && exe=$patched
    "$exe" callgrind --libs ring-core,liburing --cg-batches 1,4,32 --cg-setups plain,defer-regfd \
        --md "$scratch/cg-$which.md" >/dev/null 2>&1
    echo "== $which: callgrind instructions per NOP"
    grep -E '^\| (setup|plain|defer)' "$scratch/cg-$which.md"
done
