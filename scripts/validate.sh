#!/usr/bin/env bash
# Builds LiteSim (Release) and regenerates docs/validation.md from every validation case.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2
python3 scripts/validate.py build/release/testbenches/litesim docs/validation.md
