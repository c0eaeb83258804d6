#!/usr/bin/env bash
# Installs what the benchmarks compare against, if missing: liburing-dev (the C shim is
# built against it), fio (its io_uring engine) and valgrind (callgrind). Debian/Ubuntu, as
# root. Without them `cargo run --release -p bench -- all` still runs and says what it
# skipped.
set -euo pipefail

need=()
[ -e /usr/include/liburing.h ] || need+=(liburing-dev)
command -v fio >/dev/null || need+=(fio)
command -v valgrind >/dev/null || need+=(valgrind)
if [ ${#need[@]} -eq 0 ]; then
    echo "bench/setup.sh: liburing-dev, fio and valgrind are installed"
    exit 0
fi
echo "bench/setup.sh: installing ${need[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
