#!/usr/bin/env bash
# Builds LiteSim (Release) and runs the benchmarks (speed and memory targets live here, not in tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2
python3 bench/hbm_bench.py build/release/testbenches/litesim "$@"
python3 bench/fabric_bench.py build/release/testbenches/litesim "$@"
if [[ " $* " == *" --quick "* ]]; then
  python3 bench/fabric_scale_bench.py build/release/testbenches/litesim --max-gpus 256 --packet-timeout 60
else
  python3 bench/fabric_scale_bench.py build/release/testbenches/litesim
fi
python3 bench/trace_bench.py build/release/testbenches/litesim "$@"
