#!/usr/bin/env bash
# Builds LiteSim (Release) and runs the shipped default system and workload into out/default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2
build/release/testbenches/litesim run --out out/default "$@"
