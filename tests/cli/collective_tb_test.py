#!/usr/bin/env python3
"""`litesim tb collective` against alpha-beta closed forms (Thakur, Rabenseifner & Gropp 2005) of
the resolved system and nccl-tests' busbw. Usage: collective_tb_test.py LITESIM CASE. Every
reference is computed here from the resolved config (`litesim config`), never from the simulator's
own results."""
import json
import math
import os
import subprocess
import sys
import tempfile

import yaml

LITESIM, CASE = sys.argv[1], sys.argv[2]
SYSTEMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "configs", "system")
MiB = 1 << 20
UNITS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12,
         "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def qty(text):
    """'112.5 Gbps' -> 1.125e11 (bit/s), '5 ns' -> 5e-9 (s), '4 KiB' -> 4096 (B), '5 ns/m' -> 5e-9 (s/m)."""
    v, u = str(text).split()
    for base in ("bps", "B/s", "s/m", "s", "B", "m"):
        if u.endswith(base) and u[: -len(base)] in UNITS:
            return float(v) * UNITS[u[: -len(base)]] * (8 if base == "B/s" else 1)
    raise ValueError(text)


def ceil_ps(seconds):  # the simulator rounds every serialisation up to the picosecond
    return math.ceil(seconds * 1e12 - 1e-6) / 1e12


# ---- the one place that knows the backend's timing (docs/fabric.md, "Transceivers" and "Packets,
# links and credits").
FEC_CODE = {"none": 1.0, "rs544": 514 / 544, "rs272": 257 / 272}


def end_optics(cfg, end):
    """(lane rate in bit/s, transceiver) at one end of a link: a GPU's package optics or a switch's ports."""
    part = cfg["package"]["cpo"] if end == "gpu" else cfg["fabric"]["switch"]
    return qty(part["lane_rate"]), part["transceiver"]


def direction(cfg, a, b, lanes=0, fibre_m=-1.0):
    """Payload rate B (bit/s) and head latency h (s) from end a to end b of a link (lanes / fibre_m
    override fabric.link when set, as a topology's per-link overrides do): B = lanes x min(R_a, R_b)
    x FEC code rate of a (the sender encodes); h = t_S(a) + t_FEC(a) (when FEC is on) + fibre_length x
    propagation_delay + t_S(b)."""
    link = cfg["fabric"]["link"]
    lanes = lanes or link["lanes"]
    fibre = fibre_m if fibre_m >= 0 else qty(link["fibre_length"])
    (Ra, ta), (Rb, tb) = end_optics(cfg, a), end_optics(cfg, b)
    B = lanes * min(Ra, Rb) * FEC_CODE[ta["fec"]]
    h = qty(ta["serdes_latency"]) + (qty(ta["fec_latency"]) if ta["fec"] != "none" else 0) \
        + fibre * qty(link["propagation_delay"]) + qty(tb["serdes_latency"])
    return B, h


def packets(cfg, nbytes):
    """(count, wire bytes) of the packets of one message: ceil(S / mtu) packets of payload + header
    (a 0-byte message is one header-only packet)."""
    be = cfg["fabric"]["backend"]
    mtu, header = int(qty(be["mtu"])), int(qty(be["header"]))
    full, rest = divmod(nbytes, mtu)
    return [(full, mtu + header)] + ([(1, rest + header)] if rest or not full else [])


def one_hop_s(cfg, nbytes, serialise_only=False, lanes=0, fibre_m=-1.0):
    """Time for one message of `nbytes` over one idle GPU-to-GPU link, injection to delivery, packet
    backend: each packet occupies the serialiser 8 W / B (rounded up to the ps), back to back;
    delivery is when the last tail arrives, one head latency h after it leaves. So alpha = h and
    beta = 8 (1 + header / mtu) / B per byte, up to the rounding."""
    B, h = direction(cfg, "gpu", "gpu", lanes, fibre_m)
    t = sum(n * ceil_ps(8 * w / B) for n, w in packets(cfg, nbytes))
    return t if serialise_only else t + h


def switch_hop_s(cfg, nbytes, lanes=0, fibre_m=-1.0):
    """One message GPU -> electrical switch -> GPU on an idle path: the GPU serialises its packets
    back to back at the up rate; packet j's head reaches the switch h_up after it leaves and is
    ready there `latency` later (cut-through; store-and-forward: after its tail), then leaves on the
    down port once that is free, never so early that it would finish leaving before its tail has
    arrived; delivery is the last tail's arrival, h_down after it leaves. Credits never stall it
    while the switch's input buffer holds the backlog of a faster up than down link."""
    B_up, h_up = direction(cfg, "gpu", "switch", lanes, fibre_m)
    B_dn, h_dn = direction(cfg, "switch", "gpu", lanes, fibre_m)
    sw = cfg["fabric"]["switch"]
    up_free = dn_free = 0.0
    for n, w in packets(cfg, nbytes):
        s_up, s_dn = ceil_ps(8 * w / B_up), ceil_ps(8 * w / B_dn)
        for _ in range(n):
            head = up_free + h_up
            up_free += s_up
            ready = (head if sw["mode"] == "cut_through" else head + s_up) + qty(sw["latency"])
            dn_free = max(ready, dn_free, head + s_up - s_dn) + s_dn
    return dn_free + h_dn


def config(*sets, system=None):
    args = [LITESIM, "config"] + (["--system", system] if system else [])
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL [{CASE}]: litesim config exited {r.returncode}: {r.stderr}")
    return yaml.safe_load(r.stdout)


def tb(*args, sets=(), expect=0):
    d = tempfile.mkdtemp()
    cmd = [LITESIM, "tb", "collective", "--out", d, *args]
    for s in sets:
        cmd += ["--set", s]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != expect:
        sys.exit(f"FAIL [{CASE}]: {' '.join(cmd[2:])} exited {r.returncode}, expected {expect}: {r.stderr}")
    if expect != 0:
        return r
    with open(os.path.join(d, "summary.json")) as f:
        text = f.read()
    return json.loads(text)["collective_tb"], text


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def close(sim_ns, ref_s, what, tol_ns=0.002):
    check(abs(sim_ns - ref_s * 1e9) <= tol_ns, f"{what}: {sim_ns} ns, closed form {ref_s * 1e9} ns")


if CASE == "ring_allreduce_closed_form":
    # Unchunked ring all-reduce: 2(p-1) steps, each one message of S/p to the next rank.
    for p, S in ((4, 64 * MiB), (4, 3 * MiB), (6, 6 * MiB), (8, 8 * MiB)):
        sets = [f"fabric.topology.gpus={p}"]
        cfg = config(*sets)
        s, _ = tb("--op", "allreduce", "--algo", "ring", "--bytes", f"{S}B", sets=sets)
        close(s["time_ns"], 2 * (p - 1) * one_hop_s(cfg, S // p), f"ring allreduce p={p} S={S}")
        check(math.isclose(s["busbw_GBps"], S / s["time_ns"] * 2 * (p - 1) / p, rel_tol=1e-12), "busbw definition")

elif CASE == "chunks_sequential_and_pipelined":
    # --chunks C: the all-reduce as C all-reduces of S/C. Sequential: one after the other, each a
    # ring of 2(p-1) hops of S/(Cp): C 2(p-1) hop(S/(Cp)). Pipelined: issued together; every ring
    # step of every chunk crosses the same link i -> i+1, in issue order, and the link never idles
    # (a chunk's next step is ready long before the chunks queued ahead of it have left), so the
    # 2(p-1) C messages leave back to back and only the last head latency h shows:
    # 2(p-1) C (hop(S/(Cp)) - h) + h.
    p, S, C = 4, 64 * MiB, 4
    cfg = config()
    h = one_hop_s(cfg, 0) - one_hop_s(cfg, 0, serialise_only=True)
    seq, _ = tb("--op", "allreduce", "--algo", "ring", "--bytes", f"{S}B", "--chunks", str(C), "--chunk-mode",
                "sequential")
    close(seq["time_ns"], C * 2 * (p - 1) * one_hop_s(cfg, S // (C * p)), "sequential chunks")
    pipe, _ = tb("--op", "allreduce", "--algo", "ring", "--bytes", f"{S}B", "--chunks", str(C))
    close(pipe["time_ns"], 2 * (p - 1) * C * (one_hop_s(cfg, S // (C * p)) - h) + h, "pipelined chunks")
    check(pipe["chunks"] == C and pipe["chunk_mode"] == "pipelined" and seq["chunk_mode"] == "sequential",
          f"reported chunks: {pipe['chunks']} {pipe['chunk_mode']} / {seq['chunk_mode']}")
    check(seq["bytes_delivered"] == pipe["bytes_delivered"] == 2 * (p - 1) * S, "the same traffic either way")

elif CASE == "ops_in_one_run":
    # --ops runs the ops one after the other in one simulation: each keeps its own closed form
    # (ring all-reduce 2(p-1) hop(S/p), ring all-gather (p-1) hop(S/p)) and its own traffic
    # (2(p-1) S and (p-1) S), the run lasts at least their sum, and `collective_tb` is the first.
    p, S = 4, 16 * MiB
    cfg = config()
    s, text = tb("--ops", "allreduce,allgather", "--algo", "ring", "--bytes", f"{S}B")
    full = json.loads(text)
    rows = full["collective_tb_ops"]
    check([r["op"] for r in rows] == ["allreduce", "allgather"], f"rows {[r['op'] for r in rows]}")
    close(rows[0]["time_ns"], 2 * (p - 1) * one_hop_s(cfg, S // p), "all-reduce in --ops")
    close(rows[1]["time_ns"], (p - 1) * one_hop_s(cfg, S // p), "all-gather in --ops")
    check(rows[0]["bytes_injected"] == 2 * (p - 1) * S and rows[1]["bytes_injected"] == (p - 1) * S,
          f"per-op traffic {rows[0]['bytes_injected']}, {rows[1]['bytes_injected']}")
    e = full["collective_tb_energy"]
    check(e["bytes_delivered"] == 3 * (p - 1) * S, f"run total {e['bytes_delivered']}")
    check(e["sim_time_ns"] >= rows[0]["time_ns"] + rows[1]["time_ns"], "the ops ran one after the other")
    check(s == rows[0], "collective_tb is the first op's row")

elif CASE == "quick_study_flags":
    # --topology ring --gpus 8 --link-bandwidth 50GiB/s --link-latency 500ns: a ring all-reduce is
    # 2(p-1) hops of S/p, each ceil(S/p / mtu) packets of mtu + header at B = 50 GiB/s (no FEC) plus
    # L = 500 ns (docs/fabric.md, quick studies). busbw then tends to B x mtu / (mtu + header).
    p, S, B, L = 8, 64 * MiB, 50 * 2**30, 500e-9
    cfg = config()
    mtu, header = int(qty(cfg["fabric"]["backend"]["mtu"])), int(qty(cfg["fabric"]["backend"]["header"]))
    s, _ = tb("--op", "allreduce", "--algo", "ring", "--bytes", f"{S}B", "--topology", "ring", "--gpus", str(p),
              "--link-bandwidth", "50GiB/s", "--link-latency", "500ns")
    check(s["gpus"] == p, f"gpus {s['gpus']}")
    hop = math.ceil(S // p / mtu) * ceil_ps(8 * (mtu + header) / (8 * B)) + L
    close(s["time_ns"], 2 * (p - 1) * hop, "ring all-reduce on the quick-study ring")
    # a 4 x 4 torus from --gpus 16 keeps the package's lanes split over 4 links (2 each)
    t, _ = tb("--op", "allreduce", "--algo", "ring", "--bytes", "1MiB", "--topology", "torus2d", "--gpus", "16")
    check(t["gpus"] == 16, f"torus gpus {t['gpus']}")
    r = tb("--op", "allreduce", "--bytes", "1MiB", "--topology", "clos", "--gpus", "16", expect=2)
    check("quick studies take" in r.stderr and "--topology" in r.stderr, r.stderr)
    r = tb("--op", "allreduce", "--bytes", "1MiB", "--topology", "ring", expect=2)
    check("needs --gpus" in r.stderr, r.stderr)

elif CASE == "pipelined_broadcast":
    # Chain broadcast over p-1 hops. Whole: (p-1) one-hop times of S. In C chunks: a connection's
    # chunks leave back to back (the fabric keeps them in order, no gap between them), and a GPU
    # forwards chunk j when it has arrived: the last chunk leaves GPU 0 after C serialisation times
    # T of S/C and then takes h + (p-2)(T + h), so (C + p - 2) T + (p - 1) h with T = hop(S/C) - h.
    cfg = config()
    p, S, C = 4, 8 * MiB, 8
    whole, _ = tb("--op", "broadcast", "--bytes", f"{S}B")
    piped, _ = tb("--op", "broadcast", "--bytes", f"{S}B", "--chunk", f"{S // C}B")
    close(whole["time_ns"], (p - 1) * one_hop_s(cfg, S), "whole broadcast")
    h = one_hop_s(cfg, 0) - one_hop_s(cfg, 0, serialise_only=True)
    T = one_hop_s(cfg, S // C) - h
    close(piped["time_ns"], (C + p - 2) * T + (p - 1) * h, "pipelined broadcast")

elif CASE == "reduce_cost":
    # A reduce of S/p at rate R after every reduce-scatter step: (p-1)(2 hop + S/p / R) + (p-1) hop.
    cfg = config()
    p, S, R = 4, 16 * MiB, 100e9  # 100 GB/s
    s, _ = tb("--op", "allreduce", "--bytes", f"{S}B", "--reduce-bw", "100 GB/s")
    hop = one_hop_s(cfg, S // p)
    close(s["time_ns"], (p - 1) * (hop + ceil_ps(S / p / R)) + (p - 1) * hop, "ring allreduce with reductions")

elif CASE == "busbw_approaches_link_rate":
    # busbw of ring all-reduce = (S/p) / (alpha + beta S/p) -> the link's payload rate as S grows.
    cfg = config()
    rate = (1 << 30) / (one_hop_s(cfg, 1 << 30) - one_hop_s(cfg, 0))  # B/s, headers included in beta
    last = 0
    for S in (64 * 1024, MiB, 16 * MiB, 256 * MiB):
        s, _ = tb("--op", "allreduce", "--bytes", f"{S}B")
        check(s["busbw_GBps"] > last, f"busbw {s['busbw_GBps']} GB/s at {S} B not above {last}")
        last = s["busbw_GBps"]
    check(0.99 * rate / 1e9 <= last <= rate / 1e9 * (1 + 1e-9), f"busbw {last} GB/s vs link {rate / 1e9} GB/s")

elif CASE == "bidirectional_twice_ring":
    # Both directions of every ring link carry half the data: twice the ring's bandwidth.
    one, _ = tb("--op", "allreduce", "--algo", "ring", "--bytes", "256MiB")
    two, _ = tb("--op", "allreduce", "--algo", "bidirectional_ring", "--bytes", "256MiB")
    ratio = one["time_ns"] / two["time_ns"]
    check(1.95 <= ratio <= 2.0 + 1e-9, f"ring / bidirectional ring time = {ratio}")

elif CASE == "traffic_volume":
    # Bytes every algorithm puts on the fabric (p = 4, S divisible by everything here), per iteration:
    # Thakur et al. 2005 for ring / halving-doubling / direct; NCCL's trees move S/2 up and down p-1
    # edges per tree; hierarchical (m groups of G): an inner reduce-scatter and all-gather of (G-1)S
    # per group, and G rail all-reduces of S/G over m ranks, 2(m-1)S/G each.
    p, S, it = 4, 12 * MiB, 2
    G, m = 2, 2
    cases = [("allreduce", "ring", 2 * (p - 1) * S), ("allreduce", "bidirectional_ring", 2 * (p - 1) * S),
             ("allreduce", "direct", 2 * (p - 1) * S), ("allreduce", "halving_doubling", 2 * (p - 1) * S),
             ("allreduce", "double_binary_tree", 2 * (p - 1) * S),
             ("allreduce", "hierarchical group_size=2", 2 * m * (G - 1) * S + 2 * (m - 1) * S),
             ("allgather", "ring", (p - 1) * S), ("reducescatter", "ring", (p - 1) * S),
             ("alltoall", "direct", (p - 1) * S), ("broadcast", "ring", (p - 1) * S),
             ("reduce", "direct", (p - 1) * S), ("sendrecv", "ring", p * S)]
    for op, algo, per_iter in cases:
        s, _ = tb("--op", op, "--algo", algo, "--bytes", f"{S}B", "--iters", str(it), "--chunk", "1MiB")
        check(s["bytes_injected"] == s["bytes_delivered"] == it * per_iter,
              f"{algo} {op}: injected {s['bytes_injected']}, delivered {s['bytes_delivered']}, expected {it * per_iter}")
        check(s["pJ_per_bit"] > 0 and s["energy_pJ"] > 0, f"{algo} {op}: no energy booked")

elif CASE == "halving_doubling_fold":
    # Halving-doubling all-reduce on a fully connected system, where every pair of GPUs has its own
    # link, so no two messages share a port and each takes one idle hop. p = p' (a power of two):
    # log2 p' steps of S/2, S/4, ..., S/p' and the same back. Otherwise (MPICH's fold, r = p - p'):
    # ranks 2i < 2r first hand the whole S to 2i+1 (one hop of S) and get the result back at the end
    # (another), the p' others running the power-of-two algorithm in between, in lock step (every
    # active rank's step-k message has the same size and waits for its step k-1 data).
    S = 8 * MiB
    for p in (5, 6, 7, 8):
        q = 1 << (p.bit_length() - 1)
        sets = ["fabric={preset: cpo-fully-connected-8}", f"fabric.topology.gpus={p}"]
        cfg = config(*sets)
        steps = [S >> k for k in range(1, q.bit_length())]  # S/2, ..., S/p'
        ref = 2 * sum(one_hop_s(cfg, m) for m in steps) + (2 * one_hop_s(cfg, S) if p > q else 0)
        s, _ = tb("--op", "allreduce", "--algo", "halving_doubling", "--bytes", f"{S}B", sets=sets)
        close(s["time_ns"], ref, f"halving_doubling allreduce p={p}")
        check(s["bytes_injected"] == 2 * (p - q) * S + 2 * (q - 1) * S, f"p={p}: {s['bytes_injected']} B injected")

elif CASE == "hierarchical_system":
    # Hierarchical all-reduce on lite-hierarchical-16 (4 groups of 4 GPUs: a ring inside each group,
    # one packet switch per rail across), grouped by the topology's groups. Unchunked, its three
    # phases add up exactly:
    #   inner reduce-scatter, n-1 ring steps of S/n, each one message per inner link, GPU to GPU;
    #   outer all-reduce of S/n on every rail at once, through that rail's switch: ring, 2(G-1) steps
    #     of S/(nG); halving-doubling, S/2n, S/4n, ... and back. In every step of either each rail
    #     GPU sends one message and receives one, so each up link and each switch output port
    #     carries one message at a time, and rails share nothing;
    #   inner all-gather, n-1 ring steps of S/n.
    # Every rank's messages of a step have one size, so the ranks move in lock step and each phase
    # starts when the previous one has ended everywhere.
    system = os.path.join(SYSTEMS, "lite-hierarchical-16.yaml")
    cfg = config(system=system)
    topo = cfg["fabric"]["topology"]
    check(topo["kind"] == "hierarchical" and topo["inner"]["kind"] == "ring" and topo["outer"]["kind"] == "switch",
          f"lite-hierarchical-16 is no longer rings joined by rail switches: {topo}")
    G, n, S = topo["groups"], topo["inner"]["size"], 64 * MiB
    inner_link = {"lanes": topo["inner"]["lanes"], "fibre_m": qty(topo["inner"]["fibre_length"])}
    outer_link = {"lanes": topo["outer"]["lanes"], "fibre_m": qty(topo["outer"]["fibre_length"])}
    inner = lambda m: one_hop_s(cfg, m, **inner_link)
    outer = lambda m: switch_hop_s(cfg, m, **outer_link)
    inner_phases = 2 * (n - 1) * inner(S // n)
    hd_steps = [S // n >> k for k in range(1, G.bit_length())]  # S/2n, ..., S/nG
    for algo, outer_phase in (("hierarchical", 2 * (G - 1) * outer(S // (n * G))),
                              ("hierarchical outer=halving_doubling", 2 * sum(outer(m) for m in hd_steps))):
        s, _ = tb("--system", system, "--op", "allreduce", "--algo", algo, "--bytes", f"{S}B")
        close(s["time_ns"], inner_phases + outer_phase, f"{algo} on lite-hierarchical-16")
        check(s["bytes_injected"] == G * 2 * (n - 1) * S + n * 2 * (G - 1) * S // n,
              f"{algo}: {s['bytes_injected']} B injected")
    # The same through the system's fabric.collective block (group_size 0: by topology group).
    s, _ = tb("--system", system, "--op", "allreduce", "--bytes", f"{S}B",
              sets=["fabric.collective.algorithm.allreduce.kind=hierarchical"])
    close(s["time_ns"], inner_phases + 2 * (G - 1) * outer(S // (n * G)), "hierarchical from fabric.collective")
    # Chunked, the phases chain per chunk (no barrier), so the outer phase hides behind the inner
    # links. Bounds: the ring's clockwise inner links carry 2(n-1) x S/n each (reduce-scatter and
    # all-gather), which takes at least their serialisation plus the last head latency (the
    # bandwidth bound); and overlap must beat the unchunked sum, the outer phase being far longer
    # than one chunk's trip.
    C = MiB
    c, _ = tb("--system", system, "--op", "allreduce", "--algo", "hierarchical", "--bytes", f"{S}B",
              "--chunk", f"{C}B")
    _, h_inner = direction(cfg, "gpu", "gpu", **inner_link)
    bound = 2 * (n - 1) * (S // n // C) * one_hop_s(cfg, C, serialise_only=True, **inner_link) + h_inner
    unchunked = inner_phases + 2 * (G - 1) * outer(S // (n * G))
    check(bound * 1e9 - 0.002 <= c["time_ns"] < unchunked * 1e9,
          f"chunked hierarchical {c['time_ns']} ns outside [{bound * 1e9}, {unchunked * 1e9}) ns")

elif CASE == "config_block_honoured":
    # fabric.collective sets the testbench's defaults; the command line overrides them. Each value is
    # held to its own closed form, so a block that were ignored (or an override that lost) fails.
    p, S = 4, 64 * MiB
    cfg = config()
    block = cfg["fabric"]["collective"]  # `litesim config` shows the block, every key resolved
    check(set(block) == {"algorithm", "chunk", "reduce_bandwidth", "connection_window", "launch_latency"}, f"block keys: {block}")
    check(set(block["algorithm"]) == {"allreduce", "allgather", "reducescatter", "alltoall", "broadcast", "reduce",
                                      "sendrecv"}, f"ops: {block['algorithm']}")
    ring_s = 2 * (p - 1) * one_hop_s(cfg, S // p)  # 2(p-1) steps of S/p on one direction of each link
    bi_s = 2 * (p - 1) * one_hop_s(cfg, S // (2 * p))  # the same steps, S/2p on each direction at once
    s, _ = tb("--op", "allreduce", "--bytes", f"{S}B")
    close(s["time_ns"], ring_s, "allreduce with the system's default algorithm")
    bi = ["fabric.collective.algorithm.allreduce.kind=bidirectional_ring"]
    b, _ = tb("--op", "allreduce", "--bytes", f"{S}B", sets=bi)
    close(b["time_ns"], bi_s, "allreduce with fabric.collective.algorithm.allreduce: bidirectional_ring")
    check(b["algo"] == "bidirectional_ring" and b["algo_source"] == "fabric.collective.algorithm.allreduce", str(b))
    check(1.9 < b["busbw_GBps"] / s["busbw_GBps"] <= 2.0, f"busbw ratio {b['busbw_GBps'] / s['busbw_GBps']}")
    o, _ = tb("--op", "allreduce", "--algo", "ring", "--bytes", f"{S}B", sets=bi)
    close(o["time_ns"], ring_s, "--algo ring over a bidirectional_ring system")
    # The printed config is itself a system file that carries the block.
    d = tempfile.mkdtemp()
    path = os.path.join(d, "bi.yaml")
    r = subprocess.run([LITESIM, "config", "--set", bi[0]], capture_output=True, text=True, check=True)
    with open(path, "w") as f:
        f.write(r.stdout)
    f2, _ = tb("--system", path, "--op", "allreduce", "--bytes", f"{S}B")
    close(f2["time_ns"], bi_s, "allreduce from the printed config")
    # chunk: a chain broadcast in C chunks, (C + p - 2) T + (p - 1) h (see pipelined_broadcast);
    # connection_window 1: each chunk waits for the previous one's delivery on its connection, so
    # every hop of every chunk costs the whole one-hop time H: (C + p - 2) H.
    C = 8
    h = one_hop_s(cfg, 0) - one_hop_s(cfg, 0, serialise_only=True)
    H = one_hop_s(cfg, S // C)
    chunked = [f"fabric.collective.chunk={S // C} B"]
    c1, _ = tb("--op", "broadcast", "--bytes", f"{S}B", sets=chunked)
    close(c1["time_ns"], (C + p - 2) * (H - h) + (p - 1) * h, "broadcast, fabric.collective.chunk")
    c0, _ = tb("--op", "broadcast", "--bytes", f"{S}B", "--chunk", "0", sets=chunked)
    close(c0["time_ns"], (p - 1) * one_hop_s(cfg, S), "broadcast, --chunk 0 over the system's chunk")
    w1, _ = tb("--op", "broadcast", "--bytes", f"{S}B", sets=chunked + ["fabric.collective.connection_window=1"])
    close(w1["time_ns"], (C + p - 2) * H, "broadcast, fabric.collective.connection_window 1")
    w0, _ = tb("--op", "broadcast", "--bytes", f"{S}B", "--connection-window", "0",
               sets=chunked + ["fabric.collective.connection_window=1"])
    close(w0["time_ns"], (C + p - 2) * (H - h) + (p - 1) * h, "broadcast, --connection-window 0 over the system's 1")
    # reduce_bandwidth: every reduce-scatter step adds (S/p) / R (see reduce_cost).
    R = 100e9
    rb, _ = tb("--op", "allreduce", "--bytes", f"{S}B", sets=["fabric.collective.reduce_bandwidth=100 GB/s"])
    hop = one_hop_s(cfg, S // p)
    close(rb["time_ns"], (p - 1) * (hop + ceil_ps(S / p / R)) + (p - 1) * hop, "fabric.collective.reduce_bandwidth")
    # alltoall's default is `direct` (the only algorithm that implements it): p-1 blocks of S/p each.
    a, _ = tb("--op", "alltoall", "--bytes", f"{S}B")
    check(a["algo"] == "direct" and a["bytes_injected"] == (p - 1) * S, f"alltoall: {a['algo']}, {a['bytes_injected']}")

elif CASE == "config_block_bad_value":
    # A bad fabric.collective value is refused where it is written: file:line, the key, exit status 2,
    # by `litesim config` as by the testbench.
    d = tempfile.mkdtemp()
    def bad_block(block_yaml, key, text):
        path = os.path.join(d, f"bad{len(os.listdir(d))}.yaml")
        with open(path, "w") as f:
            f.write("name: bad\npackage:\n  preset: lite-quarter\nfabric:\n  preset: cpo-ring\n  collective:\n"
                    + block_yaml)
        line = 7 + next(i for i, l in enumerate(block_yaml.splitlines()) if "#here" in l)
        for cmd in ([LITESIM, "config", "--system", path],
                    [LITESIM, "tb", "collective", "--system", path, "--op", "allreduce", "--bytes", "1MiB",
                     "--out", tempfile.mkdtemp()]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            check(r.returncode == 2, f"{cmd[1]} on {block_yaml!r} exited {r.returncode}: {r.stderr}")
            check(f"{path}:{line}:" in r.stderr and key in r.stderr and text in r.stderr,
                  f"{cmd[1]} on {block_yaml!r}: want {path}:{line}, {key}, '{text}' in: {r.stderr}")
    bad_block("    algorithm:\n      allreduce: {kind: rign}  #here\n",
              "fabric.collective.algorithm.allreduce.kind", "no collective named 'rign'")
    bad_block("    algorithm:\n      alltoall: {kind: ring}  #here\n",
              "fabric.collective.algorithm.alltoall", "does not implement alltoall")
    bad_block("    algorithm:\n      allreduce: {kind: hierarchical, inner: double_binary_tree}  #here\n",
              "fabric.collective.algorithm.allreduce", "does not implement reducescatter")
    bad_block("    chunk: -4 KiB  #here\n", "fabric.collective.chunk", "")
    bad_block("    reduce_bandwidth: 5 ns  #here\n", "fabric.collective.reduce_bandwidth", "")
    bad_block("    connection_window: 1.5  #here\n", "fabric.collective.connection_window", "")
    bad_block("    chunks: 4 KiB  #here\n", "fabric.collective.chunks", "")

elif CASE == "deterministic":
    _, a = tb("--op", "allreduce", "--algo", "double_binary_tree", "--bytes", "8MiB", "--chunk", "512KiB")
    _, b = tb("--op", "allreduce", "--algo", "double_binary_tree", "--bytes", "8MiB", "--chunk", "512KiB")
    check(a == b, "two runs wrote different summary.json")

elif CASE == "no_steps":
    # --no-steps: the same summary (every figure), no steps.csv, and a steps.csv an earlier run left in
    # the folder is removed rather than passed off as this run's. With it: a row per step, the
    # steps counted in the summary, and every send's end no later than the collective's time.
    d = tempfile.mkdtemp()
    args = ["--op", "allreduce", "--algo", "ring", "--bytes", "8MiB", "--chunk", "512KiB", "--out", d]
    subprocess.run([LITESIM, "tb", "collective", *args], check=True, capture_output=True)
    with_steps = json.load(open(os.path.join(d, "summary.json")))["collective_tb"]
    rows = open(os.path.join(d, "steps.csv")).read().splitlines()
    check(len(rows) == 1 + with_steps["steps"], f"steps.csv has {len(rows) - 1} rows for {with_steps['steps']} steps")
    header = rows[0].split(",")
    ends = [float(r.split(",")[header.index("end_ns")]) for r in rows[1:]]
    check(abs(max(ends) - with_steps["time_ns"]) < 1e-6, f"last step ends at {max(ends)}, time_ns {with_steps['time_ns']}")
    subprocess.run([LITESIM, "tb", "collective", "--no-steps", *args], check=True, capture_output=True)
    without = json.load(open(os.path.join(d, "summary.json")))["collective_tb"]
    check(without == with_steps, "--no-steps changed the summary")
    check(not os.path.exists(os.path.join(d, "steps.csv")), "--no-steps left an earlier run's steps.csv")
    # a bad request creates nothing on disk, steps.csv's folder included
    missing = os.path.join(tempfile.mkdtemp(), "never")
    r = subprocess.run([LITESIM, "tb", "collective", "--op", "allreduce", "--bytes", "1MiB", "--group", "0,0",
                        "--out", missing], capture_output=True, text=True)
    check(r.returncode == 2 and "appears twice" in r.stderr, f"duplicate GPU: exit {r.returncode}, {r.stderr}")
    check(not os.path.exists(missing), "a bad request created the output folder")

elif CASE == "bad_input":
    def bad(args, text, sets=()):
        r = tb(*args, sets=sets, expect=2)
        check(text in r.stderr, f"{args}: stderr lacks '{text}': {r.stderr}")
    bad(["--op", "allreduse", "--bytes", "1MiB"], "no collective op named 'allreduse'")
    bad(["--op", "allreduce", "--algo", "rign", "--bytes", "1MiB"], "no collective algorithm named 'rign'")
    bad(["--op", "allreduce", "--bytes", "12 parsecs"], "--bytes")
    bad(["--op", "allreduce", "--bytes", "1MiB", "--group", "0,1,9"], "GPU 9 is not in the system")
    bad(["--op", "allreduce", "--bytes", "1MiB", "--group", "0,x"], "--group")
    bad(["--op", "allreduce", "--algo", "hierarchical group_size=4", "--bytes", "1MiB"], "does not divide",
        sets=["fabric.topology.gpus=6"])
    bad(["--op", "alltoall", "--algo", "ring", "--bytes", "1MiB"], "does not implement alltoall")
    d = tempfile.mkdtemp()
    path = os.path.join(d, "broken.yaml")
    with open(path, "w") as f:
        f.write("name: broken\npackage:\n  preset: lite-quarter\nfabric:\n  preset: cpo-ring\n  linc: {}\n")
    bad(["--system", path, "--op", "allreduce", "--bytes", "1MiB"], f"{path}:6")

else:
    sys.exit(f"unknown case {CASE}")
