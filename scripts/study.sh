#!/usr/bin/env bash
# Builds LiteSim (Release) and runs the main study, `litesim study` on the shipped default spec
# (configs/studies/lite-vs-h100.yaml: H100 cluster against Lite-GPU clusters), into out/study:
# report.html, report.md, results.csv (docs/study.md). Extra arguments go to `litesim study`
# (e.g. --full for the whole grid).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2
build/release/testbenches/litesim study --out out/study "$@"
