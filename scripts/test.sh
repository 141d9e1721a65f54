#!/usr/bin/env bash
# Builds LiteSim with warnings as errors and runs every test (ctest, 2 jobs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
cmake -S . -B build/ci -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLITESIM_WERROR=ON >/dev/null
cmake --build build/ci -j2
ctest --test-dir build/ci -j2 --output-on-failure --timeout 600
