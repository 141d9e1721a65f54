#!/usr/bin/env bash
# Command-line behaviour of the litesim program: cli_test.sh LITESIM CASE
# Each case checks exit status, what is written, and what the error message names.
set -u
LITESIM=$1
CASE=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL [$CASE]: $*"; exit 1; }

# expect_error STATUS PATTERN... -- CMD: runs CMD, checks its status and that stderr is one line
# matching every pattern, and that no summary.json was written.
expect_error() {
  local want=$1; shift
  local pats=()
  while [[ $1 != -- ]]; do pats+=("$1"); shift; done
  shift
  "$@" >"$T/out" 2>"$T/err.all"
  local rc=$?
  grep -v '^==[0-9]*==' "$T/err.all" >"$T/err"  # sanitizer builds: the runtime's own notes
  [[ $rc == "$want" ]] || fail "exit status $rc, expected $want; stderr: $(cat "$T/err")"
  [[ $(wc -l <"$T/err") == 1 ]] || fail "expected one error line, got: $(cat "$T/err")"
  for p in "${pats[@]}"; do grep -qF -- "$p" "$T/err" || fail "error does not mention '$p': $(cat "$T/err")"; done
  [[ ! -e $T/o/summary.json ]] || fail "a summary.json was written for a failed run"
}

system_with() {  # system_with FILE LINE...: a system file from lines
  local f=$1; shift
  printf '%s\n' "$@" >"$f"
}

case $CASE in
  default_run)
    "$LITESIM" run --out "$T/o" >"$T/out" 2>"$T/err" || fail "status $?: $(cat "$T/err")"
    for f in summary.json run_info.json gpus.csv hbm.csv links.csv messages.csv; do
      [[ -s $T/o/$f ]] || fail "missing $f"
    done
    grep -q "simulated time" "$T/out" || fail "no human summary on stdout"
    grep -qi "systemc" "$T/out" "$T/err" && fail "SystemC banner printed"
    python3 - "$T/o/summary.json" <<'PY' || fail "summary.json lacks required fields"
import json, sys
s = json.load(open(sys.argv[1]))
for k in ["schema_version", "litesim_version", "config_digest", "seed", "sim_time_ns"]:
    assert k in s, k
e = s["energy"]
assert "total_pJ" in e and "by_component" in e and "pJ_per_bit" in e
assert abs(sum(e["by_component"].values()) - e["total_pJ"]) <= 1e-9 * e["total_pJ"]
for l in s["links"]: assert {"bytes", "utilization", "energy_pJ"} <= set(l)
for h in s["hbm"]: assert {"bytes_read", "bytes_written", "achieved_GBps"} <= set(h)
lat = s["messages"]["latency_ns"]
assert {"p50", "p99", "max"} <= set(lat)
assert s["messages"]["bytes_injected"] == s["messages"]["bytes_delivered"] > 0
PY
    ;;
  deterministic)
    "$LITESIM" run --quiet --out "$T/a" --seed 7 || fail "first run"
    "$LITESIM" run --quiet --out "$T/b" --seed 7 || fail "second run"
    for f in summary.json gpus.csv hbm.csv links.csv messages.csv timeline.json; do
      cmp -s "$T/a/$f" "$T/b/$f" || fail "$f differs between identical runs"
    done
    grep -q '"seed": 7' "$T/a/summary.json" || fail "seed not recorded"
    ;;
  config_round_trip)
    "$LITESIM" config --set package.die.sms=30 >"$T/r1.yaml" 2>"$T/err" || fail "config: $(cat "$T/err")"
    [[ -s $T/err ]] && fail "config printed to stderr: $(cat "$T/err")"
    "$LITESIM" config --system "$T/r1.yaml" >"$T/r2.yaml" || fail "resolved config is not a valid --system file"
    diff <(grep -v '^#' "$T/r1.yaml") <(grep -v '^#' "$T/r2.yaml") >/dev/null || fail "round trip changed the config"
    grep -q 'sms: 30' "$T/r2.yaml" || fail "override lost"
    [[ $(grep '^# digest' "$T/r1.yaml") == $(grep '^# digest' "$T/r2.yaml") ]] || fail "digest changed"
    ;;
  misspelt_key)
    system_with "$T/s.yaml" "name: t" "package:" "  preset: lite-quarter" "  hbm:" "    stcks: 2" "fabric:" "  preset: cpo-pair"
    expect_error 2 "$T/s.yaml:5:" "package.hbm.stcks" "did you mean 'stacks'" -- \
      "$LITESIM" run --system "$T/s.yaml" --out "$T/o"
    ;;
  bad_unit)
    system_with "$T/s.yaml" "name: t" "package:" "  preset: lite-quarter" "  cpo:" "    lane_rate: 800 Gbs" "fabric:" "  preset: cpo-pair"
    expect_error 2 "$T/s.yaml:5:" "package.cpo.lane_rate" "unknown unit 'Gbs'" -- \
      "$LITESIM" run --system "$T/s.yaml" --out "$T/o"
    ;;
  negative_length)
    system_with "$T/s.yaml" "name: t" "package:" "  preset: lite-quarter" "fabric:" "  preset: cpo-pair" "  link:" "    fibre_length: -3 m"
    expect_error 2 "$T/s.yaml:7:" "fabric.link.fibre_length" "must not be negative" -- \
      "$LITESIM" run --system "$T/s.yaml" --out "$T/o"
    ;;
  bad_set)
    expect_error 2 "--set fabric.link.lanes=four" "fabric.link.lanes" "expected an integer" -- \
      "$LITESIM" run --set fabric.link.lanes=four --out "$T/o"
    ;;
  bad_workload)
    printf '%s\n' "format: litesim-trace/1" "name: w" "gpus: 4" "ranks:" "  - rank: 0" "    ops:" \
      "      - {id: a, op: compute, flops: 1}" >"$T/w.yaml"
    expect_error 2 "$T/w.yaml:7:" "op" "not an op kind; expected one of: kernel" -- \
      "$LITESIM" run --workload "$T/w.yaml" --out "$T/o"
    ;;
  workload_gpu_mismatch)
    expect_error 2 "written for 6 GPUs" "has only 4" -- \
      "$LITESIM" run --workload "$ROOT/tests/data/ring6-far.yaml" --out "$T/o"
    ;;
  deadlock)
    "$LITESIM" run --system "$ROOT/tests/data/pair-exact.yaml" --workload "$ROOT/tests/data/deadlock.yaml" \
      --out "$T/o" >"$T/out" 2>"$T/err"
    rc=$?
    [[ $rc == 3 ]] || fail "exit status $rc, expected 3"
    grep -q "deadlock" "$T/err" || fail "no deadlock report: $(cat "$T/err")"
    grep -q "rank 1 op 'rx'" "$T/err" || fail "stuck op not named: $(cat "$T/err")"
    [[ ! -e $T/o/summary.json ]] || fail "summary written for a deadlocked run"
    ;;
  time_overflow)
    printf '%s\n' "format: litesim-trace/1" "name: w" "gpus: 4" "ranks:" "  - rank: 0" "    ops:" \
      "      - {id: a, op: kernel, flops: 1e30}" >"$T/w.yaml"
    expect_error 3 "exceeds LiteSim's time range" -- "$LITESIM" run --workload "$T/w.yaml" --out "$T/o"
    [[ -s $T/out ]] && fail "printed on stdout: $(cat "$T/out")"
    ;;
  huge_values)
    expect_error 2 "package.cpo.lane_rate" "out of range" -- "$LITESIM" run --set "package.cpo.lane_rate=1e400 TB/s" --out "$T/o"
    expect_error 2 "package.die.mem_chunk" "must be <=" -- "$LITESIM" run --set "package.die.mem_chunk=5 GiB" --out "$T/o"
    expect_error 2 "fabric.link.lanes" "2000000000 lanes" -- "$LITESIM" run --set fabric.link.lanes=1000000000 --out "$T/o"
    expect_error 3 "time range" -- "$LITESIM" run --set "fabric.link.fibre_length=1e20 m" --out "$T/o"
    "$LITESIM" run --seed -1 --out "$T/o" >/dev/null 2>"$T/err"
    [[ $? == 2 ]] && grep -q -- "--seed" "$T/err" || fail "a negative seed was not rejected: $(cat "$T/err")"
    ;;
  zero_throughput)
    printf '%s\n' "format: litesim-trace/1" "name: w" "gpus: 4" "ranks:" "  - rank: 0" "    ops:" \
      "      - {id: k, op: kernel, flops: 1e9, dtype: fp8}" >"$T/w.yaml"
    expect_error 2 "$T/w.yaml:7:" "has no fp8 throughput" -- \
      "$LITESIM" run --workload "$T/w.yaml" --set package.die.flops_per_clock_per_sm.fp8=0 --out "$T/o"
    ;;
  stale_summary_removed)
    "$LITESIM" run --quiet --out "$T/o" || fail "first run"
    [[ -s $T/o/summary.json ]] || fail "no summary"
    cp "$T/o/summary.json" "$T/first.json"
    "$LITESIM" run --quiet --out "$T/o" --set fabric.link.lanes=x 2>/dev/null && fail "bad input accepted"
    cmp -s "$T/o/summary.json" "$T/first.json" || fail "bad input changed the earlier results"
    "$LITESIM" run --quiet --out "$T/o" --system "$ROOT/tests/data/pair-exact.yaml" \
      --workload "$ROOT/tests/data/deadlock.yaml" 2>/dev/null && fail "deadlock not reported"
    [[ ! -e $T/o/summary.json ]] || fail "the previous summary.json is still there after a failed simulation"
    ;;
  list)
    "$LITESIM" list >"$T/out" || fail "list failed"
    for w in ring pair shortest packet lane_rate access_latency tensor_clock fibre_length; do
      grep -qw "$w" "$T/out" || fail "list does not show $w"
    done
    ;;
  *) fail "unknown case" ;;
esac
echo "ok [$CASE]"
