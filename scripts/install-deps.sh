#!/usr/bin/env bash
# Installs the Debian packages LiteSim needs to build and run (and, with --tests, to test), only
# those that are missing. Idempotent: a second run installs nothing. Uses sudo when not run as root.
set -euo pipefail
pkgs=(g++ cmake ninja-build pkg-config libsystemc-dev libfmt-dev libboost-dev libboost-graph-dev
      libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libprotobuf-dev
      protobuf-compiler python3 python3-yaml python3-matplotlib python3-pandas)  # plots: litesim study's report
if [[ ${1:-} == --tests ]]; then
  pkgs+=(chromium)         # tests/cli/timeline_browser_test.py opens timeline.json in a real browser
  pkgs+=(slurm-wlm munge)  # tests/cli/slurm_test.py runs sweeps on a throwaway Slurm cluster
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
