#!/usr/bin/env python3
"""`litesim gen llm` as a user meets it: the trace file it writes, read back with a plain YAML parse
(litesim has no trace-reading command yet), against the model's architecture (configs/models/);
refusals and bad options. Usage: gen_test.py LITESIM CASE."""
import math
import os
import subprocess
import sys
import tempfile

import yaml

LITESIM, CASE = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "..", "..", "configs")


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def model(name):
    with open(os.path.join(CONFIGS, "models", name + ".yaml")) as f:
        return yaml.safe_load(f)


def nbytes(text):  # the writer's "65536 B"
    v, u = str(text).split()
    check(u == "B", f"bytes in B: {text}")
    return int(v)


def gen(*args):
    return subprocess.run([LITESIM, "gen", "llm", *args], capture_output=True, text=True)


def gen_file(*args):
    out = os.path.join(tempfile.mkdtemp(), "trace.yaml")
    r = gen(*args, "-o", out)
    check(r.returncode == 0, f"gen {args} exited {r.returncode}: {r.stderr}")
    check("written to " + out in r.stdout, f"stdout names the file: {r.stdout}")
    with open(out) as f:
        return yaml.safe_load(f)


def layer_body(program):
    reps = [i for i in program["ops"] if "repeat" in i]
    check(len(reps) == 1, f"one repeat block per stage: {program['ops']}")
    return reps[0]


def stage_layers(layers, pp):  # the remainder goes to the first stages
    return [layers // pp + (1 if s < layers % pp else 0) for s in range(pp)]


def check_llm_trace(t, m, phase, batch, seq, tp, pp):
    d, hd = m["d_model"], m["head_dim"]
    tokens = batch * seq if phase == "prefill" else batch
    act = tokens * d * 2
    swiglu = m["mlp"] == "swiglu"
    check(t["format"] == "litesim-trace/1", t["format"])
    check(t["gpus"] == tp * pp, f"gpus {t['gpus']}")
    check(len(t["ranks"]) == pp, "one program per stage")
    if tp > 1:
        check(t["groups"] == {f"tp{s}": f"{s * tp}-{(s + 1) * tp - 1}" for s in range(pp)}, t["groups"])
    want_block = ["attn_norm", "qkv", "attn", "o_proj"] + (["attn_ar"] if tp > 1 else []) + \
        ["attn_res", "mlp_norm", "gate_up" if swiglu else "up", "act", "down"] + \
        (["mlp_ar"] if tp > 1 else []) + ["mlp_res"]
    kv_rank = max(1, m["kv_heads"] // tp)
    for s, prog in enumerate(t["ranks"]):
        check(str(prog["rank"]) == (f"{s * tp}-{(s + 1) * tp - 1}" if tp > 1 else str(s)), prog["rank"])
        rep = layer_body(prog)
        check(rep["repeat"] == stage_layers(m["layers"], pp)[s], f"stage {s} layers {rep['repeat']}")
        body = {o["id"]: o for o in rep["ops"]}
        check([o["id"] for o in rep["ops"]] == want_block, f"ops per layer {[o['id'] for o in rep['ops']]}")
        q = body["qkv"]
        check((q["m"], q["n"], q["k"]) == (tokens, (m["heads"] // tp + 2 * kv_rank) * hd, d), f"qkv {q}")
        a = body["attn"]
        check(a["heads"] == m["heads"] // tp and a["kv_heads"] == kv_rank and a["head_dim"] == hd, f"attn {a}")
        check(a["kv_len"] == seq and a["q_len"] == (seq if phase == "prefill" else 1), f"attn {a}")
        check(a.get("causal", False) == (phase == "prefill"), f"attn causal {a}")
        o = body["o_proj"]
        check((o["m"], o["n"], o["k"]) == (tokens, d, m["heads"] * hd // tp), f"o_proj {o}")
        up = body["gate_up" if swiglu else "up"]
        check(up["n"] == (2 if swiglu else 1) * m["ffn_dim"] // tp, f"up {up}")
        check(body["down"]["k"] == m["ffn_dim"] // tp, f"down {body['down']}")
        check(body["act"]["elements"] == tokens * m["ffn_dim"] // tp, f"act {body['act']}")
        for ar in ("attn_ar", "mlp_ar") if tp > 1 else ():
            c = body[ar]
            check(c["op"] == "collective" and c["coll"] == "allreduce" and c["group"] == f"tp{s}", f"{ar} {c}")
            check(nbytes(c["bytes"]) == act, f"{ar} bytes {c['bytes']} != {act}")
        check("prev.mlp_res" in body["attn_norm"]["after"], "a block follows the previous one")
        outer = {o["id"]: o for o in prog["ops"] if "repeat" not in o}
        if s == 0:
            check("embed" in outer, "stage 0 embeds")
        else:
            r = outer["recv_act"]
            check(r["from"] == f"rank-{tp}" and nbytes(r["bytes"]) == act, f"recv {r}")
        if s < pp - 1:
            snd = outer["send_act"]
            check(snd["to"] == f"rank+{tp}" and nbytes(snd["bytes"]) == act, f"send {snd}")
        else:
            vocab = math.ceil(m["vocab"] / tp)
            h = outer["lm_head"]
            check((h["m"], h["n"], h["k"]) == (batch, vocab, d), f"lm_head {h}")
            if tp > 1:
                g = outer["logits_ag"]
                check(g["coll"] == "allgather" and nbytes(g["bytes"]) == batch * vocab * tp * 2, f"logits {g}")


if CASE == "llama70b_decode_tp_pp":
    sysf = os.path.join(CONFIGS, "system", "lite-torus2d-16.yaml")
    args = ("--model", "llama3-70b", "--phase", "decode", "--batch", "8", "--seq", "4096", "--tp", "8", "--pp", "2")
    check_llm_trace(gen_file(*args, "--system", sysf), model("llama3-70b"), "decode", 8, 4096, 8, 2)

elif CASE == "gpt3_prefill_pipeline":
    # 350 GB of weights need more than 16 packages of 20 GiB: 32 of a 64-GPU system
    sysf = os.path.join(CONFIGS, "system", "lite-torus3d-64.yaml")
    t = gen_file("--model", "gpt3-175b", "--phase", "prefill", "--batch", "1", "--seq", "2048", "--tp", "8",
                 "--pp", "4", "--system", sysf)
    check_llm_trace(t, model("gpt3-175b"), "prefill", 1, 2048, 8, 4)
    check(t["ranks"][0]["ops"][0]["kind"] == "elementwise", "learned positions are added to the token rows")

elif CASE == "stdout_on_the_default_system":
    # the default system: four GPUs; llama3-8b over tp 4 on stdout, nothing else there
    r = gen("--model", "llama3-8b", "--phase", "decode", "--batch", "4", "--seq", "1024", "--tp", "4")
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    check_llm_trace(yaml.safe_load(r.stdout), model("llama3-8b"), "decode", 4, 1024, 4, 1)
    r1 = gen("--model", "llama3-8b", "--phase", "decode", "--batch", "1", "--seq", "64")
    t1 = yaml.safe_load(r1.stdout)
    check_llm_trace(t1, model("llama3-8b"), "decode", 1, 64, 1, 1)
    check("groups" not in t1, "no groups on one rank")

elif CASE == "memory_refusal":
    out = os.path.join(tempfile.mkdtemp(), "trace.yaml")
    r = gen("--model", "llama3-405b", "--phase", "decode", "--batch", "1", "--seq", "4096", "-o", out)
    check(r.returncode == 2, f"exit {r.returncode}, expected 2: {r.stderr}")
    for w in ("weights", "KV cache", "activations", "GiB", "20.00 GiB", "--tp", "--pp", "lite-quarter"):
        check(w in r.stderr, f"refusal does not mention '{w}': {r.stderr}")
    check(len(r.stderr.strip().splitlines()) == 1, f"one line: {r.stderr}")
    check(not os.path.exists(out), "a refused trace leaves no file")

elif CASE == "bad_input":
    base = ["--model", "llama3-8b", "--phase", "decode", "--batch", "1", "--seq", "64"]
    d = tempfile.mkdtemp()
    for args, want in [
        (["--model", "llama3-8b", "--phase", "train", "--batch", "1", "--seq", "64"], "--phase"),
        (["--model", "llama3-8b", "--phase", "decode", "--seq", "64"], "--batch"),
        (base[:6] + ["--seq", "0"], "--seq"),
        (base[:6] + ["--seq", "200000"], "context"),
        (base + ["--tp", "3"], "--tp: 3 does not divide"),
        (base + ["--tp", "4", "--pp", "2"], "8 ranks, but system 'lite-ring-4' has 4 GPUs"),
        (base + ["--pp", "40"], "--pp"),
        (["--model", "nosuch"] + base[2:], "no preset 'nosuch'"),
        (base + ["--system", "nosuch.yaml"], "nosuch.yaml"),
        (base + ["--set", "package.hbm.nosuch=1"], "nosuch"),
        (base + ["-o", os.path.join(d, "no", "such", "dir.yaml")], "-o"),
    ]:
        r = gen(*args)
        check(r.returncode == 2, f"{args}: exit {r.returncode}, expected 2 ({r.stderr})")
        check(want in r.stderr, f"{args}: error does not mention '{want}': {r.stderr}")
        check(r.stdout == "", f"{args}: wrote to stdout: {r.stdout[:200]}")
    r = subprocess.run([LITESIM, "gen"], capture_output=True, text=True)
    check(r.returncode == 2 and "subcommand" in r.stderr, f"gen alone: {r.returncode} {r.stderr}")

elif CASE == "list_shows_the_model_block":
    r = subprocess.run([LITESIM, "list"], capture_output=True, text=True)
    check(r.returncode == 0, r.stderr)
    block = r.stdout[r.stdout.index("[model]"):] if "[model]" in r.stdout else ""
    for key in model("llama3-8b"):
        check(key in block, f"litesim list does not show model key {key}")

else:
    sys.exit(f"unknown case {CASE}")
print(f"ok [{CASE}]")
