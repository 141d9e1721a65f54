#!/usr/bin/env python3
"""`litesim study` end to end on a tiny spec (Llama-3-8B, one prefill and one decode case, two of the
shipped study systems, both objectives), its metrics against values derived here independently of
the study code: energy per token from the chosen point's raw summary.json, capex from `litesim cost`
and `litesim topo`, time per output token never below the weights streamed from HBM, every mapping
within one package's HBM (and `litesim gen llm`, which refuses what does not fit, accepting it);
identical results for --jobs 1 and 2; bad specs refused naming the line, nothing written.
Usage: study_test.py LITESIM CASE."""
import csv
import json
import os
import subprocess
import sys
import tempfile

import yaml

LITESIM, CASE = sys.argv[1], sys.argv[2]
CONFIGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "configs")
REQUIRED = ["system", "model", "phase", "batch", "gpus_per_replica", "tp", "pp", "replicas", "ttft_ms", "tpot_ms",
            "tokens_per_s", "capex_usd", "usd_per_mtok", "J_per_token", "W_per_mm2"]
ECON = {"lifetime_years": 3, "usd_per_kwh": 0.1, "pue": 1.25, "switch_usd_per_lane": 40, "ocs_usd_per_port": 250}
SPEC = {
    "study": "tiny",
    "systems": [{"name": "h100", "system": "system/study/h100-cluster.yaml", "gpus_per_rack": 32},
                {"name": "lite-clos", "system": "system/study/lite-cpo-switch.yaml", "gpus_per_rack": 128}],
    "models": ["llama3-8b"],
    "prefill": {"prompt": [512], "batch": [1]},
    "decode": {"batch": [4], "context": [1024]},
    "objectives": ["latency", "throughput"],
    "candidates": 2,
    "economics": ECON,
    # the study's network sweep on the Clos (both forms: a mapping of paths, and path + plain values)
    "sensitivity": [{"name": "net", "system": "lite-clos", "labels": ["2x"], "quick": True, "models": ["llama3-8b"],
                     "values": [{"package.cpo.lane_rate": "225 Gbps", "fabric.switch.lane_rate": "225 Gbps"}]},
                    {"name": "hbm", "system": "lite-clos", "path": "package.hbm.bandwidth", "values": ["3350 GB/s"],
                     "quick": False}],
}


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-300)


def study(spec_path, out, jobs):
    return subprocess.run([LITESIM, "study", spec_path, "--out", out, "--jobs", str(jobs), "--quiet"],
                          capture_output=True, text=True)


def write_spec(tmp, spec, name="tiny.yaml"):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        yaml.safe_dump(spec, f, sort_keys=False)
    return path


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def system_of(label):
    return os.path.join(CONFIGS, next(s["system"] for s in SPEC["systems"] if s["name"] == label))


def json_of(*args):
    r = subprocess.run([LITESIM, *args, "--json"], capture_output=True, text=True)
    check(r.returncode == 0, f"{args}: {r.stderr}")
    return json.loads(r.stdout)


def weight_bytes(m):  # parameters of a Llama-style model (SwiGLU, RMSNorm, untied embeddings), bf16
    d, hd = m["d_model"], m["head_dim"]
    block = d * (m["heads"] + 2 * m["kv_heads"]) * hd + m["heads"] * hd * d + 3 * d * m["ffn_dim"] + 2 * d
    return 2 * (m["layers"] * block + 2 * m["vocab"] * d + d)


def end_to_end(tmp):
    out = os.path.join(tmp, "out")
    r = study(write_spec(tmp, SPEC), out, 2)
    check(r.returncode == 0, f"study exited {r.returncode}: {r.stderr}")
    res = rows(os.path.join(out, "results.csv"))
    check(all(c in res[0] for c in REQUIRED), f"results.csv columns: {list(res[0])}")
    # one row per system x workload x objective (every case fits both systems)
    base = [r for r in res if not r["sensitivity"]]
    check(len(base) == 2 * 2 * 2, f"{len(base)} rows of the spec's systems, expected 8")
    # the quick run has the `net` sweep's variant (2 cases x 2 objectives) and not the `hbm` one
    variants = [r for r in res if r["sensitivity"]]
    check(len(variants) == 4 and all(r["sensitivity"] == "net" and r["value"] == "2x" and r["base_system"] == "lite-clos"
                                     for r in variants), f"sensitivity rows: {[(r['system'], r['value']) for r in variants]}")
    with open(os.path.join(out, "results.json")) as f:
        systems = {s["name"]: s for s in json.load(f)["systems"]}
    v = systems["lite-clos [net 2x]"]
    check(close(v["network_GBps_per_direction"], 2 * systems["lite-clos"]["network_GBps_per_direction"]),
          f"the 2x variant's network: {v['network_GBps_per_direction']} vs {systems['lite-clos']['network_GBps_per_direction']}")
    check(v["config_digest"] != systems["lite-clos"]["config_digest"], "the variant's config is the base's")
    with open(os.path.join(CONFIGS, "models", "llama3-8b.yaml")) as f:
        model = yaml.safe_load(f)
    for row in base:
        what = f"{row['system']} {row['phase']} {row['objective']}"
        point = os.path.join(out, "points", row["point"])
        with open(os.path.join(point, "summary.json")) as f:
            s = json.load(f)
        with open(os.path.join(point, "point.yaml")) as f:
            pt = yaml.safe_load(f)
        tp, pp, batch, seq = int(row["tp"]), int(row["pp"]), int(row["batch"]), int(row["seq"])
        tokens = batch if row["phase"] == "decode" else batch * seq
        # energy is the sum of its parts
        parts = sum(float(row[k]) for k in ("J_per_token_die", "J_per_token_hbm", "J_per_token_optics",
                                            "J_per_token_switch", "J_per_token_static"))
        check(close(parts, float(row["J_per_token"])), f"{what}: parts {parts} != J_per_token {row['J_per_token']}")
        # the dynamic part is pp x the simulated pass's dynamic energy (every stage busy each pass)
        dyn = sum(s["energy"]["dynamic_pJ_by_component"].values()) * 1e-12 * pp / tokens
        check(close(dyn, parts - float(row["J_per_token_static"]), 1e-6), f"{what}: dynamic J/token {dyn}")
        # capex = cluster GPUs x (package cost + the network's ports per GPU), from cost and topo
        pkg = pt["system"]["package"]["name"]
        cost = json_of("cost", "--package", pkg)["package_cost_usd"]
        topo = json_of("topo", "--system", system_of(row["system"]))
        switches = {n["id"] for n in topo["nodes"] if n["kind"] != "gpu"}
        lanes = sum(e["lanes"] * ((e["u"] in switches) + (e["v"] in switches)) for e in topo["edges"])
        per_gpu = cost + lanes * ECON["switch_usd_per_lane"] / topo["gpus"]
        check(close(float(row["capex_usd"]), per_gpu * topo["gpus"], 1e-9),
              f"{what}: capex {row['capex_usd']} != {per_gpu * topo['gpus']}")
        # $/Mtok = (capex amortised + energy at the PUE and price) / tokens
        life = ECON["lifetime_years"] * 365.25 * 86400
        watts = float(row["J_per_token"]) * float(row["tokens_per_s"])
        usd_s = per_gpu * tp * pp / life + watts * ECON["pue"] * ECON["usd_per_kwh"] / 3.6e6
        check(close(float(row["usd_per_mtok"]), usd_s / float(row["tokens_per_s"]) * 1e6, 1e-6),
              f"{what}: usd_per_mtok {row['usd_per_mtok']}")
        # the steady-state cycle: the pass, or n micro-batches x the slowest stage's span (from the
        # receive's end to the last kernel or collective, in ops.csv), whichever is longer
        with open(os.path.join(point, "ops.csv")) as f:
            ops = list(csv.DictReader(f))
        start, end = {}, {}
        for op in ops:
            r_ = int(op["rank"])
            if op["kind"] == "recv":
                start[r_] = max(start.get(r_, 0.0), float(op["end_ns"]))
            elif op["kind"] != "send":
                end[r_] = max(end.get(r_, 0.0), float(op["end_ns"]))
        slowest = max(end[r_] - start.get(r_, 0.0) for r_ in end)
        n = batch // int(row["micro_batch"])
        cycle = max(float(row["pass_ms"]), n * slowest / 1e6)
        check(close(float(row["cycle_ms"]), cycle, 1e-9), f"{what}: cycle {row['cycle_ms']} ms, expected {cycle}")
        if row["phase"] == "decode":
            check(float(row["tpot_ms"]) == float(row["cycle_ms"]), f"{what}: TPOT is the cycle")
        # a pass streams every weight from HBM once: never faster than weights / (tp x HBM peak)
        hbm = json_of("cost", "--package", pkg)["peaks"]["peak_GBps"] * 1e9
        floor_ms = weight_bytes(model) / (tp * hbm) * 1e3
        t = float(row["tpot_ms"] or row["ttft_ms"])
        check(t >= floor_ms, f"{what}: pass {t} ms below the HBM floor {floor_ms} ms")
    # every candidate fits one package's HBM, and the generator (which refuses what does not) agrees
    for c in rows(os.path.join(out, "candidates.csv")):
        pkg = json_of("cost", "--package", "h100-sxm" if c["base_system"] == "h100" else "lite-quarter-shoreline")
        check(float(c["memory_GiB"]) * 2**30 <= pkg["peaks"]["hbm_GB"] * 1e9,
              f"{c['point']}: {c['memory_GiB']} GiB does not fit")
        g = subprocess.run([LITESIM, "gen", "llm", "--model", "llama3-8b", "--phase", c["phase"], "--batch", c["batch"],
                            "--seq", c["seq"], "--tp", c["tp"], "--pp", c["pp"], "--system", system_of(c["base_system"]),
                            "-o", os.path.join(tmp, "g.yaml")], capture_output=True, text=True)
        check(g.returncode == 0, f"{c['point']}: gen llm refuses the mapping: {g.stderr}")
    # blast radius and availability: each spec system's throughput decode choice laid out as the
    # study's replicas; one GPU failure downs one replica (1 / replicas of the capacity); the
    # capacity and MTBF as `litesim availability` gives them for that layout; the tokens/s left
    for a in rows(os.path.join(out, "availability.csv")):
        row = next(r for r in base if r["system"] == a["system"] and r["phase"] == "decode"
                   and r["objective"] == "throughput")
        check((a["tp"], a["pp"], a["replicas"]) == (row["tp"], row["pp"], row["replicas"]), f"availability {a}")
        check(close(float(a["gpu_failure_capacity_fraction"]), 1 / int(a["replicas"])), f"blast {a}")
        cli = json_of("availability", "--system", system_of(a["system"]), "--model", "llama3-8b", "--tp", a["tp"],
                      "--pp", a["pp"], "--replicas", a["replicas"], "--runs", "10")
        check(close(float(a["expected_capacity"]), cli["availability"]["closed_form"]["capacity"], 1e-12),
              f"{a['system']}: capacity {a['expected_capacity']} vs litesim availability's")
        check(close(float(a["training_mtbf_hours"]), cli["training_goodput"]["mtbf_hours"], 1e-12), f"MTBF {a}")
        check(close(float(a["tokens_per_s_available"]),
                    float(row["tokens_per_s_cluster"]) * float(a["expected_capacity"])), f"tokens/s left {a}")
    check(len(rows(os.path.join(out, "availability.csv"))) == 2, "one availability row per spec system")
    with open(os.path.join(out, "report.md")) as f:
        md = f.read()
    check("| llama3-8b | decode | 4 | 1024 | latency |" in md, "report.md lists the decode latency rows")
    check("## Blast radius and availability" in md, "report.md has the availability section")
    print("ok")


# The staged path on Llama-3-8B: one H100 and four Lite-GPUs each serving both phases, and one H100
# prefilling for four Lite-GPUs decoding. A long mix so that the decode batch is set by the HBM, not
# by max_batch.
STAGE_SPEC = {**{k: v for k, v in SPEC.items() if k != "sensitivity"}, "stages": [{
    "name": "pilot", "model": "llama3-8b", "prompt": 4096, "output": 512, "max_batch": 256,
    "deployments": [{"name": "one H100", "system": "h100", "gpus": 1},
                    {"name": "four Lite", "system": "lite-clos", "gpus": 4},
                    {"name": "split", "prefill": {"system": "h100", "gpus": 1},
                     "decode": {"system": "lite-clos", "gpus": 4}}]},
    # a deployment no mapping fits: a row with the reason and no numbers
    {"name": "too-big", "model": "llama3-70b", "prompt": 512, "output": 64,
     "deployments": [{"name": "one Lite", "system": "lite-clos", "gpus": 1}]},
    # a service level nothing meets: the closest candidate, flagged
    {"name": "tight", "model": "llama3-8b", "prompt": 512, "output": 64, "slo": {"ttft_ms": 1, "tpot_ms": 1},
     "deployments": [{"name": "one H100 tight", "system": "h100", "gpus": 1}]}]}


def resolved(label):  # a spec system's resolved config, as `litesim config` prints it
    r = subprocess.run([LITESIM, "config", "--system", system_of(label)], capture_output=True, text=True)
    check(r.returncode == 0, f"litesim config {label}: {r.stderr}")
    return yaml.safe_load(r.stdout)


def pj(text):  # "0.6 pJ/bit" -> 0.6
    check(text.endswith(" pJ/bit"), f"an energy per bit: {text}")
    return float(text.split()[0])


def stages(tmp):
    """Each stage row against its two points' rows in candidates.csv, by the closed forms of
    docs/study.md (Staged path), and the decode batch against `litesim gen llm`'s HBM check."""
    out = os.path.join(tmp, "out")
    r = study(write_spec(tmp, STAGE_SPEC), out, 2)
    check(r.returncode == 0, f"study exited {r.returncode}: {r.stderr}")
    cands = {c["point"]: c for c in rows(os.path.join(out, "candidates.csv"))}
    st = rows(os.path.join(out, "stages.csv"))
    check([x["deployment"] for x in st] == ["one H100", "four Lite", "split", "one Lite", "one H100 tight"],
          f"stage rows: {st}")
    tight = st.pop()
    check(tight["slo_met"] == "false" and "no candidate meets the service level" in tight["note"]
          and float(tight["tpot_interleaved_ms"]) > 1, f"a service level nothing meets: {tight}")
    unfit = st.pop()
    check(unfit["requests_per_s"] == "" and "needs" in unfit["note"] and "GiB" in unfit["note"],
          f"a deployment that does not fit: {unfit}")
    with open(os.path.join(CONFIGS, "models", "llama3-8b.yaml")) as f:
        model = yaml.safe_load(f)
    P, O = 4096, 512
    h100, lite = resolved("h100"), resolved("lite-clos")
    # the decode batch of one H100 serving Llama-3-8B (tp1 x pp1), worked here: as many sequences of
    # P + O tokens of KV cache as fit 90% of its HBM beside the weights (activations: a few MB, so
    # at most one sequence fewer)
    kv_token = 2 * model["layers"] * model["kv_heads"] * model["head_dim"] * 2
    cap = 0.9 * json_of("cost", "--package", h100["package"]["name"])["peaks"]["hbm_GB"] * 1e9
    expect = int((cap - weight_bytes(model)) // (kv_token * (P + O)))
    one = st[0]
    check(one["decode_tp"] == "1" and one["decode_pp"] == "1" and int(one["decode_batch"]) in (expect, expect - 1),
          f"one H100's decode batch {one['decode_batch']}, expected {expect} (or one fewer)")
    hbm_bound = 0
    life = ECON["lifetime_years"] * 365.25 * 86400
    for x in st:
        what = x["deployment"]
        pre, dec = cands[x["prefill_point"]], cands[x["decode_point"]]
        f = {k: float(v) for k, v in x.items() if k not in ("stage", "deployment", "layout", "model", "prefill_system",
                                                           "decode_system", "limit", "runner_up", "prefill_point", "slo_met",
                                                           "decode_point", "note") and v != ""}
        # the points are the request mix's phases: a prompt per micro-batch; decode at the mean context
        check(pre["phase"] == "prefill" and int(pre["seq"]) == P and int(pre["batch"]) == int(pre["pp"]),
              f"{what}: prefill point {pre['point']}")
        check(dec["phase"] == "decode" and int(dec["seq"]) == P + O // 2, f"{what}: decode point {dec['point']}")
        # the decode batch is the largest multiple of pp up to max_batch that the generator (which
        # checks one package's HBM) accepts at the longest context, P + O, with 90% of the HBM
        hbm = (h100 if x["decode_system"] == "h100" else lite)["package"]["hbm"]["capacity"]
        check(hbm.endswith(" GiB"), f"HBM capacity {hbm}")
        usable = f"package.hbm.capacity={0.9 * float(hbm.split()[0])} GiB"

        def fits(batch):
            g = subprocess.run([LITESIM, "gen", "llm", "--model", "llama3-8b", "--phase", "decode", "--batch",
                                str(batch), "--seq", str(P + O), "--tp", dec["tp"], "--pp", dec["pp"], "--system",
                                system_of(x["decode_system"]), "--set", usable, "-o", os.path.join(tmp, "g.yaml")],
                               capture_output=True, text=True)
            return g.returncode == 0
        b, pp = int(dec["batch"]), int(dec["pp"])
        # (or, when a service level calls for it, about a half or a quarter of the largest)
        check(fits(b) and (b == 256 or any(not fits(m * (b + pp)) for m in (1, 2, 4))),
              f"{what}: decode batch {b} is neither the largest that fits nor a half or quarter of it")
        hbm_bound += b < 256
        tps_pre, tps_dec = float(pre["tokens_per_s"]), float(dec["tokens_per_s"])
        if x["layout"] == "colocated":
            check(pre["tp"] == dec["tp"] and pre["pp"] == dec["pp"], f"{what}: one mapping for both phases")
            reps = int(dec["replicas"])
            rps = reps / (P / tps_pre + O / tps_dec)  # each replica time-shares the two phases
            watts = rps * (P * float(pre["J_per_token"]) + O * float(dec["J_per_token"]))
            capex = int(x["gpus"]) * float(dec["capex_usd_per_gpu"])
            check(close(f["ttft_ms"], float(pre["pass_ms"])), f"{what}: TTFT is the prompt's pass")
            busy = 1 - rps / reps * P / tps_pre
            check(close(f["tpot_interleaved_ms"], float(dec["cycle_ms"]) / busy, 1e-9), f"{what}: interleaved TPOT")
        else:
            kv = kv_token * P  # K and V of every layer, bf16
            check(close(f["kv_MB"], kv / 1e6), f"{what}: KV {f['kv_MB']} MB, expected {kv / 1e6}")
            # one replica's cache to one: the H100's scale-out port is a 400 Gb/s NIC (50 GB/s), a
            # Lite-GPU's is its whole optics on the Clos: lanes x rate x the FEC's code rate (RS(544,514))
            code = {"none": 1.0, "rs544": 514 / 544, "rs272": 257 / 272}[lite["package"]["cpo"]["transceiver"]["fec"]]
            topo = json_of("topo", "--system", system_of("lite-clos"))
            lite_GBps = sum(e["rate_Gbps"] for e in topo["edges"] if 0 in (e["u"], e["v"])) * code / 8
            bw = min(50 * int(pre["gpus_per_replica"]), lite_GBps * int(dec["gpus_per_replica"]))
            check(close(f["kv_GBps"], bw, 1e-9), f"{what}: KV path {f['kv_GBps']} GB/s, expected {bw}")
            t_kv = kv / (bw * 1e9) * 1e3
            check(t_kv <= f["kv_ms"] <= t_kv + 0.01, f"{what}: KV transfer {f['kv_ms']} ms, bytes / bandwidth {t_kv}")
            check(close(f["ttft_ms"], float(pre["pass_ms"]) + f["kv_ms"]), f"{what}: TTFT = prefill + KV transfer")
            r_pre = float(pre["tokens_per_s_cluster"]) / P
            r_dec = float(dec["tokens_per_s_cluster"]) / O
            rps = min(r_pre, r_dec)  # the KV path is far from binding here: checked next
            check(f["kv_GBps"] * 1e9 / kv > 2 * rps, f"{what}: the KV path binds")
            check(x["limit"] == ("prefill" if r_pre < r_dec else "decode"), f"{what}: limit {x['limit']}")
            static = sum(float(c["J_per_token_static"]) * float(c["tokens_per_s_cluster"]) for c in (pre, dec))
            dyn = rps * sum(n * (float(c["J_per_token"]) - float(c["J_per_token_static"]))
                            for n, c in ((P, pre), (O, dec)))
            # the KV cache's bits: the H100's transmit, its scale-out switch (port optics both ways and
            # switching), the Lite-GPU's receive
            tx, sw, rx = h100["package"]["cpo"]["transceiver"], h100["fabric"]["switch"], lite["package"]["cpo"]["transceiver"]
            swx = sw["transceiver"]
            pj_bit = (pj(tx["modulator_driver_energy"]) + pj(tx["serdes_dsp_energy"]) + pj(swx["modulator_driver_energy"])
                      + pj(swx["receiver_tia_energy"]) + 2 * pj(swx["serdes_dsp_energy"]) + pj(sw["energy_per_bit"])
                      + pj(rx["receiver_tia_energy"]) + pj(rx["serdes_dsp_energy"]))
            watts = static + dyn + rps * kv * 8 * pj_bit * 1e-12
            capex = int(x["prefill_gpus"]) * float(pre["capex_usd_per_gpu"]) + \
                int(x["decode_gpus"]) * float(dec["capex_usd_per_gpu"])
        check(close(f["requests_per_s"], rps, 1e-9), f"{what}: {f['requests_per_s']} requests/s, expected {rps}")
        # the service level: met as its row says, and the runner-up, when it meets it too, serves no more
        met = f["ttft_ms"] <= f["ttft_slo_ms"] and f["tpot_interleaved_ms"] <= f["tpot_slo_ms"]
        check(x["slo_met"] == ("true" if met else "false"), f"{what}: slo_met {x['slo_met']}")
        if "requests/s" in x["runner_up"] and "misses" not in x["runner_up"]:
            second = float(x["runner_up"].split(": ")[-1].split(" requests/s")[0])
            check(second <= f["requests_per_s"] * (1 + 1e-3), f"{what}: the runner-up serves more: {x['runner_up']}")
        check(close(f["output_tokens_per_s"], rps * O, 1e-9), f"{what}: output tokens/s")
        check(close(f["power_kW"] * 1e3, watts, 1e-9), f"{what}: power {f['power_kW']} kW, expected {watts / 1e3}")
        check(close(f["J_per_output_token"], watts / (rps * O), 1e-9), f"{what}: J per output token")
        check(close(f["capex_usd"], capex, 1e-12), f"{what}: capex {f['capex_usd']}, expected {capex}")
        usd_s = capex / life + watts * ECON["pue"] * ECON["usd_per_kwh"] / 3.6e6
        check(close(f["usd_per_mtok"], usd_s / (rps * O) * 1e6, 1e-9), f"{what}: $ per Mtok")
    check(hbm_bound > 0, "no decode batch was set by the HBM")
    with open(os.path.join(out, "report.md")) as fh:
        md = fh.read()
    check("## Staged path" in md and "| pilot | split | disaggregated |" in md, "report.md has the stage table")
    # a pool larger than its cluster is refused, naming the spec's line; nothing is written
    bad = {**STAGE_SPEC, "stages": [{**STAGE_SPEC["stages"][0],
                                     "deployments": [{"name": "x", "system": "h100", "gpus": 65}]}]}
    path = write_spec(tmp, bad, "bad-stage.yaml")
    r = study(path, os.path.join(tmp, "bad"), 1)
    check(r.returncode == 2 and path + ":" in r.stderr and "gpus" in r.stderr and "has 64" in r.stderr,
          f"an oversized pool: exit {r.returncode}: {r.stderr}")
    check(not os.path.exists(os.path.join(tmp, "bad")), "an oversized pool's study wrote its folder")
    print("ok")


def jobs_identical(tmp):
    spec = write_spec(tmp, {**SPEC, "stages": STAGE_SPEC["stages"]})
    outs = [os.path.join(tmp, f"j{j}") for j in (1, 2)]
    for j, out in zip((1, 2), outs):
        r = study(spec, out, j)
        check(r.returncode == 0, f"--jobs {j}: {r.stderr}")
    for name in ("results.csv", "results.json", "candidates.csv", "unmapped.csv", "stages.csv", "availability.csv",
                 "report.md"):
        with open(os.path.join(outs[0], name), "rb") as a, open(os.path.join(outs[1], name), "rb") as b:
            check(a.read() == b.read(), f"{name} differs between --jobs 1 and --jobs 2")
    r = study(spec, outs[1], 2)  # a re-run skips every point and writes the same files
    check(r.returncode == 0 and "0 run" in r.stdout, f"re-run: {r.stdout} {r.stderr}")
    print("ok")


def bad_spec(tmp):
    cases = [
        ({**SPEC, "colour": "blue"}, "colour", "unknown key"),
        ({**SPEC, "objectives": ["fastest"]}, "objectives", "expected latency or throughput"),
        ({**SPEC, "systems": [{"name": "x", "system": "system/study/nope.yaml", "gpus_per_rack": 8}]}, "system",
         "no such system file"),
        ({**SPEC, "decode": {"batch": [0], "context": [1024]}}, "decode.batch", "expected an integer"),
        ({**SPEC, "models": ["llama3-8b", "llama3-9000b"]}, "models", "llama3-9000b"),
        ({**SPEC, "sensitivity": [{"name": "x", "system": "h100", "path": "fabric.link.lanes", "values": [4],
                                   "models": ["llama3-70b"]}]}, "sensitivity[].models", "not one of the spec's models"),
        ({**SPEC, "sensitivity": [{"name": "x", "system": "nope", "path": "a", "values": [1]}]}, "sensitivity[].system",
         "not one of the spec's systems"),
        ({**SPEC, "sensitivity": [{"name": "x", "system": "h100", "path": "fabric.link.lanes", "values": ["many"]}]},
         "sensitivity[].values", "fabric.link.lanes"),
        ({**SPEC, "stages": [{"name": "s", "model": "llama3-8b", "prompt": 64, "output": 8,
                              "deployments": [{"name": "d", "system": "nope", "gpus": 1}]}]},
         "stages[].deployments[].system", "not one of the spec's systems"),
        ({**SPEC, "stages": [{"name": "s", "model": "llama3-8b", "prompt": 64, "output": 8,
                              "deployments": [{"name": "d", "system": "h100", "gpus": 1,
                                               "decode": {"system": "h100", "gpus": 1}}]}]},
         "stages[].deployments[].system", "not both"),
        ({**SPEC, "stages": [{"name": "s", "model": "llama3-8b", "prompt": 64, "output": 8,
                              "deployments": [{"name": "d", "prefill": {"system": "h100", "gpus": 40},
                                               "decode": {"system": "h100", "gpus": 40}}]}]},
         "stages[].deployments[].decode.gpus", "takes 80 GPUs of h100, whose cluster has 64"),
        ({**SPEC, "models": ["llama3-8b", "gpt3-175b"],
          "stages": [{"name": "s", "model": "gpt3-175b", "prompt": 2000, "output": 100,
                      "deployments": [{"name": "d", "system": "h100", "gpus": 8}]}]},
         "stages[].output", "beyond gpt3-175b's context of 2048"),
        ({**SPEC, "stages": [{"name": "s", "model": "llama3-8b", "prompt": 64, "output": 8, "slo": {"tpot": 5},
                              "deployments": [{"name": "d", "system": "h100", "gpus": 1}]}]},
         "stages[].slo.tpot", "unknown key"),
    ]
    for i, (spec, key, words) in enumerate(cases):
        path = write_spec(tmp, spec, f"bad{i}.yaml")
        out = os.path.join(tmp, f"bad{i}")
        r = study(path, out, 1)
        check(r.returncode == 2, f"bad{i}: exit {r.returncode}, expected 2: {r.stderr}")
        check(path + ":" in r.stderr and key in r.stderr and words in r.stderr,
              f"bad{i}: the error should name {path}:LINE, {key} and '{words}': {r.stderr}")
        check(not os.path.exists(out), f"bad{i}: {out} was created")
    print("ok")


with tempfile.TemporaryDirectory() as tmp:
    {"end_to_end": end_to_end, "jobs_identical": jobs_identical, "bad_spec": bad_spec, "stages": stages}[CASE](tmp)
