#!/bin/sh
# Install what is missing, build, and run Hecate's main job.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build -Dbuildtype=release >/dev/null
ninja -C build >/dev/null
./build/src/cli/hecate cpu
./build/bench/hecate-bench ntt
