#!/usr/bin/python3
"""The study's report (docs/study.md, Report): reads a `litesim study` output folder (results.csv,
candidates.csv, unmapped.csv, results.json, cost_curve.csv, configs/) and writes report.md and a
self-contained report.html (tables, plots embedded as PNG, the configs that ran with their
digests, LiteSim's version) plus the plots as plots/*.png. Plots use pandas and matplotlib
(Debian's python3-pandas and python3-matplotlib). Deterministic: the same folder gives the same
bytes. Usage: report.py DIR"""
import base64
import html
import io
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

OUT = sys.argv[1]
plt.rcParams.update({"figure.dpi": 100, "font.size": 9, "svg.hashsalt": "litesim", "axes.grid": True,
                     "grid.alpha": 0.3})

# Cooling and power limits (docs/study.md, Power density; REFERENCE figures cited there).
W_PER_MM2 = [(0.86, "H100 SXM at 700 W"), (1.0, "die rule of thumb"), (1.7, "single-phase cold plate")]
KW_PER_RACK = [(30, "air-cooled rack"), (60, "HGX H100 liquid")]


def config_file(name):  # as litesim study names it: the label with anything but [A-Za-z0-9._-] as '-'
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in name) + ".yaml"


def read_csv(name):
    path = os.path.join(OUT, name)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return pd.DataFrame()
    # labels stay text as written ("0.05", "1x"), empty ones ""
    text = {"value": str, "sensitivity": str, "base_system": str, "system": str}
    df = pd.read_csv(path, dtype={k: v for k, v in text.items()})
    for k in text:
        if k in df.columns:
            df[k] = df[k].fillna("")
    return df


res = read_csv("results.csv")
cand = read_csv("candidates.csv")
unmapped = read_csv("unmapped.csv")
cost = read_csv("cost_curve.csv")
stages = read_csv("stages.csv")
avail = read_csv("availability.csv")
with open(os.path.join(OUT, "results.json")) as f:
    meta = json.load(f)
systems = [s["name"] for s in meta["systems"] if not s["sensitivity"]]
SYS = {s["name"]: s for s in meta["systems"]}
BASELINE = "h100-cluster" if "h100-cluster" in systems else systems[0]
COLOURS = dict(zip(systems, plt.rcParams["axes.prop_cycle"].by_key()["color"]))


def workload(df):
    return df["model"] + " " + df["phase"] + " b" + df["batch"].astype(str) + " s" + df["seq"].astype(str)


if not res.empty:
    res["workload"] = workload(res)
    res["sensitivity"] = res["sensitivity"].fillna("")
    sens = res[res["sensitivity"] != ""].copy()
    res = res[res["sensitivity"] == ""].copy()
else:
    sens = res
if not cand.empty:
    cand["workload"] = workload(cand)
    cand = cand[cand["sensitivity"].fillna("") == ""]

os.makedirs(os.path.join(OUT, "plots"), exist_ok=True)
plots = []  # (file, title, caption)


def grid(n, w, h):
    """A figure of n panels, at most four a row (wide grids stay readable)."""
    cols = min(n, 4)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(w * cols, h * rows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def save(fig, name, title, caption):
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    data = buf.getvalue()
    with open(os.path.join(OUT, "plots", name), "wb") as f:
        f.write(data)
    plots.append((name, title, caption, data))


def latency_throughput():
    d = cand[cand["phase"] == "decode"] if not cand.empty else cand
    if d.empty:
        return
    groups = sorted(d.groupby(["model", "seq"]).groups)
    fig, axes = grid(len(groups), 5, 3.8)
    for ax, (model, seq) in zip(axes, groups):
        g = d[(d["model"] == model) & (d["seq"] == seq)]
        for sys_name in systems:
            s = g[g["system"] == sys_name]
            if not s.empty:
                ax.scatter(s["tokens_per_s_per_pflops"], s["tpot_ms"], label=sys_name, color=COLOURS[sys_name], s=18)
        ax.set_xscale("log")
        ax.set_xlabel("decode tokens/s per PFLOPS of peak BF16")
        ax.set_ylabel("time per output token (ms)")
        ax.set_title(f"{model}, context {seq}")
    axes[0].legend(fontsize=7)
    save(fig, "latency_throughput.png", "Latency against throughput (decode)",
         "Every simulated mapping (both candidates of every batch and objective), throughput per unit of peak compute "
         "so that a quarter-size GPU compares fairly: lower right is better.")


def per_workload_bars(column, name, title, ylabel, caption, objective="throughput", log=False):
    d = res[res["objective"] == objective] if not res.empty else res
    if d.empty:
        return
    pivot = d.pivot_table(index="workload", columns="system", values=column, aggfunc="first")
    pivot = pivot[[s for s in systems if s in pivot.columns]].iloc[::-1]  # first workload on top
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.22 * len(pivot) * len(pivot.columns) + 1.0)))
    pivot.plot.barh(ax=ax, color=[COLOURS[s] for s in pivot.columns], width=0.8)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(ylabel)
    ax.set_ylabel("")
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize=7)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], fontsize=7)
    save(fig, name, title, caption)


def energy_stack():
    d = res[res["objective"] == "throughput"] if not res.empty else res
    if d.empty:
        return
    parts = ["J_per_token_die", "J_per_token_hbm", "J_per_token_optics", "J_per_token_switch", "J_per_token_static"]
    labels = ["die", "HBM", "optics", "switches", "static"]
    loads = sorted(d["workload"].unique())
    fig, axes = grid(len(loads), 3.2, 3.6)
    for ax, w in zip(axes, loads):
        g = d[d["workload"] == w].set_index("system").reindex([s for s in systems if s in set(d["system"])])
        bottom = [0.0] * len(g)
        for p, lab in zip(parts, labels):
            vals = g[p].fillna(0).tolist()
            ax.bar(range(len(g)), vals, bottom=bottom, label=lab)
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_xticks(range(len(g)))
        ax.set_xticklabels(g.index, rotation=40, ha="right", fontsize=7)
        ax.set_title(w, fontsize=8)
        ax.set_ylabel("J per token")
    axes[-1].legend(fontsize=7)
    save(fig, "energy_per_token.png", "Energy per token by component (throughput objective)",
         "Dynamic energy of die, HBM, optics and switches, and static energy (packages and the replica's share "
         "of the network), per token. The parts sum to J_per_token.")


def power_density():
    if res.empty:
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    peak = res.groupby("system")[["W_per_mm2", "kW_per_rack"]].max().reindex([s for s in systems
                                                                             if s in set(res["system"])])
    a.bar(peak.index, peak["W_per_mm2"], color=[COLOURS[s] for s in peak.index])
    for v, lab in W_PER_MM2:
        a.axhline(v, ls="--", lw=0.8, color="grey")
        a.text(-0.4, v, lab, fontsize=7, va="bottom")
    a.set_ylabel("W per mm2 of die (highest point)")
    b.bar(peak.index, peak["kW_per_rack"], color=[COLOURS[s] for s in peak.index])
    for v, lab in KW_PER_RACK:
        b.axhline(v, ls="--", lw=0.8, color="grey")
        b.text(-0.4, v, lab, fontsize=7, va="bottom")
    b.set_ylabel("kW per rack (packages)")
    for ax in (a, b):
        ax.tick_params(axis="x", labelrotation=30)
    save(fig, "power_density.png", "Power density against cooling limits",
         "The highest W/mm2 and kW per rack of each system over the study's points, with the limits of "
         "docs/study.md (H100 at its 700 W TDP, the 1 W/mm2 rule of thumb, a single-phase cold plate; an air-cooled "
         "and a liquid-cooled rack).")


def yield_cost():
    if cost.empty:
        return
    fig, a = plt.subplots(figsize=(6, 3.6))
    a.plot(cost["die_area_mm2"], 100 * cost["yield_used"], marker="o", label="yield (harvested), %")
    a.plot(cost["die_area_mm2"], 100 * cost["yield_no_spares"], marker="o", label="yield (no spares), %")
    a.set_xlabel("die area (mm2)")
    a.set_ylabel("yield (%)")
    b = a.twinx()
    b.plot(cost["die_area_mm2"], cost["usd_per_good_mm2"], color="black", marker="s", label="USD per good mm2")
    b.set_ylabel("die cost per good mm2 (USD)")
    b.grid(False)
    lines = a.get_legend_handles_labels()[0] + b.get_legend_handles_labels()[0]
    a.legend(lines, [l.get_label() for l in lines], fontsize=7, loc="center right")
    save(fig, "yield_cost.png", "Yield and cost per good die against die area",
         "The cost model (docs/cost.md) on the H100's process and die, scaled in area: Murphy yield with and without "
         "spare SMs, and die cost per good mm2.")


latency_throughput()
per_workload_bars("usd_per_mtok", "usd_per_mtok.png", "$ per million tokens (throughput objective)", "$ per Mtok",
                  "Capex amortised over the lifetime plus energy at the PUE and price of the spec's economics.", log=True)
per_workload_bars("tokens_per_s_cluster", "tokens_per_cluster.png", "Cluster tokens/s (throughput objective)",
                  "tokens/s, whole cluster", "Every replica the cluster holds, each serving the workload: the clusters "
                  "have equal total compute (64 H100 or 256 quarter-H100 Lite-GPUs).", log=True)
energy_stack()
power_density()
yield_cost()


def objective_metric(obj, phase):
    if obj == "throughput":
        return "tokens_per_s_cluster", "cluster tokens/s", True
    return ("ttft_ms", "TTFT (ms)", False) if phase == "prefill" else ("tpot_ms", "TPOT (ms)", False)


crossovers = []  # rows: sweep, system, workload, objective, baseline value, values..., crossover


def sensitivity_plots():
    if sens.empty:
        return
    base_rows = res[res["system"] == BASELINE]
    for sweep in sorted(sens["sensitivity"].unique()):
        d = sens[sens["sensitivity"] == sweep]
        sysname = d["base_system"].iloc[0]
        order = list(dict.fromkeys(s["value"] for s in meta["systems"] if s["sensitivity"] == sweep))
        keys = sorted(d.groupby(["workload", "objective"]).groups)
        fig, axes = grid(len(keys), 2.9, 3.2)
        for ax, (w, obj) in zip(axes, keys):
            g = d[(d["workload"] == w) & (d["objective"] == obj)].set_index("value").reindex(order)
            phases = g["phase"].dropna()
            if phases.empty:
                continue
            col, label, higher = objective_metric(obj, phases.iloc[0])
            vals = g[col].dropna()
            if len(vals) > 1 and vals.max() - vals.min() <= 1e-9 * abs(vals.max()):
                # the sweep does not move time or throughput (optics energy, defect density): its cost does
                col, label, higher = "usd_per_mtok", "$ per Mtok", False
            ax.plot(order, g[col], marker="o", color=COLOURS.get(sysname), label=sysname)
            b = base_rows[(base_rows["workload"] == w) & (base_rows["objective"] == obj)]
            base = float(b[col].iloc[0]) if not b.empty else None
            cross = ""
            if base is not None:
                ax.axhline(base, ls="--", color=COLOURS.get(BASELINE, "black"), label=BASELINE)
                for v, x in zip(order, g[col]):
                    if x == x and ((higher and x >= base) or (not higher and x <= base)):
                        cross = v
                        break
            crossovers.append([sweep, sysname, w, obj, label, "-" if base is None else f"{base:.4g}"] +
                              [f"{x:.4g}" if x == x else "-" for x in g[col]] + [cross or "none in range"])
            ax.set_title(f"{w}\n{obj}", fontsize=7)
            ax.set_ylabel(label, fontsize=7)
            ax.set_xlabel(sweep, fontsize=7)
        axes[0].legend(fontsize=6)
        save(fig, config_file(f"sensitivity_{sweep}")[:-5] + ".png", f"Sensitivity: {sweep} ({sysname})",
             f"{sysname} with {sweep} at each value, against {BASELINE} (dashed): where the line crosses the dashed "
             "one, the Lite-GPU cluster matches the H100 cluster. Where the sweep moves neither time nor throughput, "
             "the panel shows $ per million tokens.")


sensitivity_plots()


def stage_plot():
    """Per stage of the staged path: throughput, $ per million output tokens and latency per deployment."""
    d = stages.dropna(subset=["requests_per_s"]) if not stages.empty else stages
    if d.empty:
        return
    names = list(dict.fromkeys(d["stage"]))
    panels = [("output_tokens_per_s", "output tokens/s"), ("usd_per_mtok", "$ per million output tokens"),
              ("tpot_interleaved_ms", "time per output token (ms), prefills included"), ("ttft_ms", "TTFT (ms)")]
    fig, axes = grid(len(names) * len(panels), 3.6, 0.5 + 0.35 * max(d.groupby("stage").size()))
    for i, st in enumerate(names):
        g = d[d["stage"] == st].iloc[::-1]  # the first deployment on top
        for j, (col, label) in enumerate(panels):
            ax = axes[i * len(panels) + j]
            ax.barh(g["deployment"], g[col], color=["#4c72b0" if x == "colocated" else "#dd8452" for x in g["layout"]])
            ax.set_xlabel(label)
            ax.set_title(st, fontsize=9)
            ax.tick_params(axis="y", labelsize=7)
            if j:
                ax.set_yticklabels([])
    save(fig, "stages.png", "Staged path: each deployment's throughput, cost and latency",
         "One row per stage (pilot, hybrid, full), one bar per deployment: blue colocated (one pool time-sharing "
         "prefill and decode), orange disaggregated (prefill and decode pools, the KV cache over the network). Time "
         "per output token includes the prefills a colocated pool runs between decode steps.")


stage_plot()


def stage_summary():
    """One sentence per stage: each deployment against the stage's first."""
    out = []
    d = stages.dropna(subset=["requests_per_s"]) if not stages.empty else stages
    for st, g in (d.groupby("stage", sort=False) if not d.empty else []):
        first = g.iloc[0]
        none = stages[(stages["stage"] == st) & stages["requests_per_s"].isna()]["deployment"].tolist()
        unfit = f" No mapping fits {', '.join(none)}." if none else ""
        if len(g) == 1:
            out.append(f"{st} ({first['model']}): only {first['deployment']} has a mapping.{unfit}")
            continue
        parts = []
        for _, r in g.iloc[1:].iterrows():
            parts.append(f"{r['deployment']}: {r['output_tokens_per_s'] / first['output_tokens_per_s']:.2f}x the "
                         f"output tokens/s at {r['usd_per_mtok'] / first['usd_per_mtok']:.2f}x the $ per Mtok and "
                         f"{r['tpot_interleaved_ms'] / first['tpot_interleaved_ms']:.2f}x the time per output token")
        cheapest = g.loc[g["usd_per_mtok"].idxmin()]["deployment"]
        out.append(f"{st} ({first['model']}, {int(first['prompt'])} tokens in, {int(first['output'])} out), against "
                   f"{first['deployment']}: " + "; ".join(parts) + f". Lowest $ per Mtok: {cheapest}.{unfit}")
    return out


STAGES = stage_summary()
STAGE_COLS = [("stage", "stage"), ("deployment", "deployment"), ("layout", "layout"), ("gpus", "GPUs"),
              ("peak_PFLOPS", "peak PFLOPS"), ("hbm_GiB", "HBM GiB"), ("hbm_TBps", "HBM TB/s"),
              ("mapping", "prefill / decode mapping"), ("decode_batch", "decode batch"),
              ("requests_per_s", "requests/s"), ("output_tokens_per_s", "output tok/s"),
              ("output_tokens_per_s_per_pflops", "output tok/s per PFLOPS"), ("ttft_ms", "TTFT ms"),
              ("tpot_interleaved_ms", "TPOT ms (prefills included)"), ("slo_met", "meets SLO"), ("limit", "limit"),
              ("balanced_prefill_per_decode_gpu", "balanced prefill per decode GPU"), ("capex_usd", "capex $"),
              ("power_kW", "kW"), ("J_per_output_token", "J per output token"), ("usd_per_mtok", "$ per Mtok"),
              ("note", "note")]


def stage_rows():
    if stages.empty:
        return [], []
    d = stages.copy()
    d["note"] = d["note"].fillna("")

    def mapping(r):
        if r["requests_per_s"] != r["requests_per_s"]:
            return "-"
        return (f"tp{int(r['prefill_tp'])} x pp{int(r['prefill_pp'])} / tp{int(r['decode_tp'])} x pp{int(r['decode_pp'])}"
                + (f", {int(r['prefill_replicas'])} + {int(r['decode_replicas'])} replicas" if r["layout"] ==
                   "disaggregated" else f", {int(r['decode_replicas'])} replicas"))
    d["mapping"] = d.apply(mapping, axis=1)
    d["slo_met"] = d["slo_met"].map({True: "yes", False: "no"}).fillna("-")
    return [h for _, h in STAGE_COLS], [[fmt(r[c], c) for c, _ in STAGE_COLS] for _, r in d.iterrows()]


def claims():
    """The paper's claims beside what this run measured (docs/study.md, Claims)."""
    out = []
    lite = [s for s in systems if s != BASELINE]
    # without extra networking: no more network bytes per FLOP than the baseline's (within 10%); with: more
    ref = SYS[BASELINE]["bytes_per_flop"]
    basic = [s for s in lite if SYS[s]["bytes_per_flop"] <= 1.1 * ref]
    cpo = [s for s in lite if SYS[s]["bytes_per_flop"] > 1.1 * ref]
    if not cost.empty:
        small = cost.iloc[(cost["die_area_mm2"] - 203.5).abs().argmin()]
        big = cost.iloc[(cost["die_area_mm2"] - 814).abs().argmin()]
        out.append(["Yield: a small die yields better",
                    f"{100 * small['yield_no_spares']:.1f}% vs {100 * big['yield_no_spares']:.1f}% without spare SMs, "
                    f"{100 * small['yield_used']:.1f}% vs {100 * big['yield_used']:.1f}% with them "
                    f"({small['die_area_mm2']:.0f} vs {big['die_area_mm2']:.0f} mm2)",
                    "supported" if small["yield_used"] > big["yield_used"] else "not supported",
                    "cost model (Murphy yield, the H100's defect density and SM redundancy scaled with area)"])
        out.append(["Manufacturing cost: a good mm2 of small die costs less",
                    f"${small['usd_per_good_mm2']:.3f} vs ${big['usd_per_good_mm2']:.3f} per good mm2",
                    "supported" if small["usd_per_good_mm2"] < big["usd_per_good_mm2"] else "not supported",
                    "wafer price and dies per wafer of docs/cost.md"])
    if not res.empty:
        capex = res.groupby("system")["capex_usd"].first()
        if BASELINE in capex:
            txt = ", ".join(f"{s} ${capex[s] / 1e6:.2f}M" for s in lite if s in capex)
            cheaper = [s for s in lite if s in capex and capex[s] < capex[BASELINE]]
            out.append(["Cluster cost at equal compute", f"{BASELINE} ${capex[BASELINE] / 1e6:.2f}M; {txt}",
                        f"lower for {len(cheaper)} of {len(lite)} Lite clusters",
                        "bills of materials (packages with HBM, packaging and optics; network ports), not market prices"])
        wmm = res.groupby("system")["W_per_mm2"].max()
        if BASELINE in wmm:
            lower = [s for s in lite if s in wmm and wmm[s] < wmm[BASELINE]]
            out.append(["Power density: lower W/mm2, easier cooling",
                        f"highest W/mm2: {BASELINE} {wmm[BASELINE]:.2f}; " +
                        ", ".join(f"{s} {wmm[s]:.2f}" for s in lite if s in wmm),
                        f"lower for {len(lower)} of {len(lite)}",
                        "average package power over the simulated passes (die and HBM), per mm2 of die"])
    bpf = {s: SYS[s]["bytes_per_flop"] for s in systems}
    if BASELINE in bpf and bpf[BASELINE] > 0:
        out.append(["Bandwidth-to-compute up to about 2x the H100's",
                    ", ".join(f"{s} {bpf[s] / bpf[BASELINE]:.2f}x" for s in lite),
                    "an input of the systems (shoreline assumption), not a result",
                    "network bytes per direction per FLOP of peak BF16, from the packages' optics"])
    if not avail.empty and BASELINE in set(avail["system"]):
        a = avail.groupby("system").first()
        lite_a = [x for x in lite if x in a.index]
        base = a.loc[BASELINE]
        smaller = [x for x in lite_a if a.loc[x, "gpu_failure_capacity_fraction"] < base["gpu_failure_capacity_fraction"]]
        out.append(["Blast radius: a failure takes down less",
                    f"one GPU failure: {BASELINE} {100 * base['gpu_failure_capacity_fraction']:.2f}% of serving "
                    "capacity; " + ", ".join(f"{x} {100 * a.loc[x, 'gpu_failure_capacity_fraction']:.2f}%" for x in lite_a)
                    + f". Part failures a year: {BASELINE} {base['part_failures_per_year']:.1f}; " +
                    ", ".join(f"{x} {a.loc[x, 'part_failures_per_year']:.1f}" for x in lite_a) +
                    f". Expected capacity: {BASELINE} {100 * base['expected_capacity']:.2f}%; " +
                    ", ".join(f"{x} {100 * a.loc[x, 'expected_capacity']:.2f}%" for x in lite_a),
                    f"smaller per failure for {len(smaller)} of {len(lite_a)}; more failures a year",
                    "docs/faults.md rates (Llama 3's H100 interruptions; a Lite die as often as an H100 die: "
                    "assumption), the study's throughput decode mappings, repair times assumed"])
    else:
        out.append(["Blast radius: a failure takes down less", "not measured by this run", "not evaluated",
                    "no availability rows (availability.csv)"])

    def compare(group, title):
        if res.empty or not group:
            return
        wins, total = 0, 0
        for (w, obj), g in res.groupby(["workload", "objective"]):
            b = g[g["system"] == BASELINE]
            if b.empty:
                continue
            col, _, higher = objective_metric(obj, g["phase"].iloc[0])
            base = float(b[col].iloc[0])
            vals = g[g["system"].isin(group)][col]
            if vals.empty:
                continue
            best = vals.max() if higher else vals.min()
            total += 1
            wins += (best >= base) if higher else (best <= base)
        if total:
            short = "without" in title
            verdict = (wins < total) if short else (wins > 0)
            out.append([title, f"{', '.join(group)}: the best of them matches or beats {BASELINE} in {wins} of {total} "
                        f"workload x objective pairs and falls short in {total - wins} (cluster tokens/s for "
                        "throughput, TTFT or TPOT for latency)",
                        "supported" if verdict else "not supported",
                        "the study's grid, mapper and replica model (docs/study.md); 'without extra networking': no "
                        f"more network bytes per FLOP than {BASELINE} (within 10%)"])

    compare(basic, "Performance without extra networking may fall short")
    compare(cpo, "Performance with extra networking (co-packaged optics) can match or beat the H100 cluster")
    return out


CLAIMS = claims()


def answer():
    """A few sentences up front: which system wins each objective most often, and at what cost."""
    if res.empty:
        return []
    lines = []
    for obj in ("throughput", "latency"):
        d = res[res["objective"] == obj]
        if d.empty:
            continue
        wins = {}
        for _, g in d.groupby("workload"):
            col, _, higher = objective_metric(obj, g["phase"].iloc[0])
            g = g.dropna(subset=[col])
            if g.empty:
                continue
            best = g.loc[g[col].idxmax() if higher else g[col].idxmin()]
            wins[best["system"]] = wins.get(best["system"], 0) + 1
        total = sum(wins.values())
        ranked = sorted(wins.items(), key=lambda kv: (-kv[1], kv[0]))
        lines.append(f"For {obj} ({'cluster tokens/s' if obj == 'throughput' else 'TTFT or TPOT'}), the best system "
                     f"per workload is " + ", ".join(f"{s} in {n} of {total}" for s, n in ranked) + ".")
        cheap = {}
        for _, g in d.groupby("workload"):
            b = g.loc[g["usd_per_mtok"].idxmin()]
            cheap[b["system"]] = cheap.get(b["system"], 0) + 1
        ranked = sorted(cheap.items(), key=lambda kv: (-kv[1], kv[0]))
        lines.append(f"Lowest $ per million tokens ({obj} mappings): " +
                     ", ".join(f"{s} in {n} of {total}" for s, n in ranked) + ".")
    for c in CLAIMS:
        if c[0].startswith("Performance"):
            lines.append(f"{c[0]}: {c[2]} ({c[1]}).")
    d = stages.dropna(subset=["requests_per_s"]) if not stages.empty else stages
    for st, g in (d.groupby("stage", sort=False) if not d.empty else []):
        fast = g.loc[g["output_tokens_per_s_per_pflops"].idxmax()]
        cheap = g.loc[g["usd_per_mtok"].idxmin()]
        lines.append(f"Staged path, {st}: most output tokens/s per PFLOPS {fast['deployment']}, lowest $ per million "
                     f"output tokens {cheap['deployment']} (the Staged path section).")
    return lines


ANSWER = answer()

# ---- tables ----
COLS = [("model", "model"), ("phase", "phase"), ("batch", "batch"), ("seq", "seq"), ("objective", "objective"),
        ("system", "system"), ("tp", "tp"), ("pp", "pp"), ("replicas", "replicas"), ("ttft_ms", "TTFT ms"),
        ("tpot_ms", "TPOT ms"), ("tokens_per_s", "tok/s per replica"), ("tokens_per_s_per_gpu", "tok/s per GPU"),
        ("usd_per_mtok", "$ per Mtok"), ("J_per_token", "J per token"), ("W_per_mm2", "W/mm2"),
        ("kW_per_rack", "kW per rack"), ("runner_up", "runner-up")]


def fmt(v, col):
    if isinstance(v, float):
        if v != v:
            return "-"
        if col in ("batch", "seq", "tp", "pp", "replicas", "gpus", "decode_batch"):
            return str(int(v))
        return f"{v:.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def table_rows(df, cols):
    if df.empty:
        return [], []
    df = df.sort_values([c for c in ("model", "phase", "batch", "seq", "objective") if c in df.columns], kind="stable")
    return [h for _, h in cols], [[fmt(r[c], c) for c, _ in cols] for _, r in df.iterrows()]


def md_table(head, rows):
    if not head:
        return "(none)\n"
    out = "| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n"
    return out + "".join("| " + " | ".join(r) + " |\n" for r in rows)


def html_table(head, rows):
    if not head:
        return "<p>(none)</p>"
    h = "".join(f"<th>{html.escape(x)}</th>" for x in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


res_head, res_rows = table_rows(res, COLS)
un_cols = [(c, c) for c in ("system", "model", "phase", "batch", "seq", "objective", "why")]
un_head, un_rows = table_rows(unmapped, un_cols)
sys_head = ["system", "config", "digest", "GPUs per rack"]
sys_rows = [[s["name"], s["file"] + "".join(" --set " + o for o in s["overrides"]), s["config_digest"],
             str(s["gpus_per_rack"])] for s in meta["systems"]]
intro = (f"LiteSim {meta['litesim_version']}, study `{meta['study']}` (spec digest {meta['spec_digest']}), "
         f"{meta['grid']} grid. Every number comes from the point named in results.csv, whose folder keeps its "
         "point.yaml (resolved configs) and summary.json. Models and metrics: docs/study.md.")

claims_head = ["claim (Canakci et al., HotOS'25)", "measured", "verdict", "under which assumptions"]
n_vals = max((len(r) - 7 for r in crossovers), default=0)
cross_head = ["sweep", "system", "workload", "objective", "metric", BASELINE] + [f"value {i + 1}" for i in range(n_vals)] + \
    ["matches the H100 cluster from"]
sens_order = {s["sensitivity"]: [] for s in meta["systems"] if s["sensitivity"]}
for s_ in meta["systems"]:
    if s_["sensitivity"]:
        sens_order[s_["sensitivity"]].append(s_["value"])
stage_head, stage_rows_ = stage_rows()
STAGE_NOTE = ("Each stage serves one request mix (prompt and output tokens) with each deployment: colocated, one pool "
              "whose replicas run both phases by turns with one mapping; disaggregated, a prefill pool and a decode "
              "pool with their own mappings and the KV cache shipped between them (as Splitwise and DistServe do). "
              "Each deployment takes the candidate (mappings and decode batch) with the most requests/s that meets the "
              "stage's service level (TTFT and time per output token, the prefills a colocated pool runs between "
              "decode steps included). Requests/s, cost and energy follow docs/study.md (Staged path); no queueing is "
              "modelled. Deployments are equal in peak compute within a stage, not in HBM: the HBM columns show it.")
AVAIL_COLS = [("system", "system"), ("model", "model"), ("tp", "tp"), ("pp", "pp"), ("replicas", "replicas"),
              ("gpu_failure_capacity_fraction", "capacity lost per GPU failure"),
              ("part_failures_per_year", "part failures a year"), ("expected_capacity", "expected capacity"),
              ("tokens_per_s_available", "tokens/s available"), ("training_mtbf_hours", "training MTBF h"),
              ("training_goodput", "training goodput")]
avail_head, avail_rows = ([h for _, h in AVAIL_COLS], [[fmt(r[c], c) for c, _ in AVAIL_COLS] for _, r in avail.iterrows()]) \
    if not avail.empty else ([], [])
AVAIL_NOTE = ("Each system serving the model with its throughput decode mapping (the largest decode batch of the "
              "grid), under the failure rates of docs/faults.md (`litesim availability` gives the full tables): the "
              "share of serving capacity one GPU failure takes down, how many parts fail a year, the expected share "
              "of serving capacity up (repair included, no spares), the tokens/s that leaves, and the whole cluster "
              "as one training job's MTBF and goodput at the Young/Daly checkpoint interval (30 s checkpoints, "
              "240 s restarts: assumptions).")
sens_note = "; ".join(f"{k}: " + ", ".join(f"value {i + 1} = {v}" for i, v in enumerate(vs)) for k, vs in sens_order.items())
md = [f"# Study: {meta['study']}\n\n{intro}\n\n## Answer\n\n" + "".join(f"- {x}\n" for x in ANSWER) +
      "\n## Systems\n\n", md_table(sys_head, sys_rows),
      "\n## Results (the mapping chosen per system, workload and objective)\n\n", md_table(res_head, res_rows),
      "\n## Workloads no mapping fits\n\n", md_table(un_head, un_rows),
      f"\n## Sensitivity and crossover\n\n{sens_note}\n\n", md_table(cross_head if crossovers else [], crossovers),
      f"\n## Staged path\n\n{STAGE_NOTE}\n\n" + "".join(f"- {x}\n" for x in STAGES) + "\n",
      md_table(stage_head, stage_rows_),
      f"\n## Blast radius and availability\n\n{AVAIL_NOTE}\n\n", md_table(avail_head, avail_rows),
      "\n## Claims\n\n", md_table(claims_head, CLAIMS), "\n## Plots\n\n"]
for name, title, caption, _ in plots:
    md.append(f"### {title}\n\n![{title}](plots/{name})\n\n{caption}\n\n")
with open(os.path.join(OUT, "report.md.tmp"), "w") as f:
    f.write("".join(md))
os.replace(os.path.join(OUT, "report.md.tmp"), os.path.join(OUT, "report.md"))

configs = []
for s in meta["systems"]:
    path = os.path.join(OUT, "configs", config_file(s["name"]))
    with open(path) as f:
        configs.append((s["name"], s["config_digest"], f.read()))
CSS = """body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:12px;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#eee}td:nth-child(-n+6){text-align:left}figure{margin:1em 0}figcaption{font-size:12px;color:#555}
img{max-width:100%}pre{font-size:11px;background:#f6f6f6;padding:.5em;overflow:auto}"""
parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>LiteSim study: "
         f"{html.escape(meta['study'])}</title><style>{CSS}</style></head><body>",
         f"<h1>Study: {html.escape(meta['study'])}</h1><p>{html.escape(intro)}</p>",
         "<h2>Answer</h2><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in ANSWER) + "</ul>",
         "<h2>Systems</h2>", html_table(sys_head, sys_rows),
         "<h2>Results</h2><p>The mapping chosen per system, workload and objective.</p>", html_table(res_head, res_rows),
         "<h2>Workloads no mapping fits</h2>", html_table(un_head, un_rows),
         f"<h2>Sensitivity and crossover</h2><p>{html.escape(sens_note)}</p>",
         html_table(cross_head if crossovers else [], crossovers),
         f"<h2>Staged path</h2><p>{html.escape(STAGE_NOTE)}</p><ul>" +
         "".join(f"<li>{html.escape(x)}</li>" for x in STAGES) + "</ul>", html_table(stage_head, stage_rows_),
         f"<h2>Blast radius and availability</h2><p>{html.escape(AVAIL_NOTE)}</p>", html_table(avail_head, avail_rows),
         "<h2>Claims</h2>", html_table(claims_head, CLAIMS), "<h2>Plots</h2>"]
for name, title, caption, data in plots:
    b64 = base64.b64encode(data).decode()
    parts.append(f"<figure><img alt=\"{html.escape(title)}\" src=\"data:image/png;base64,{b64}\">"
                 f"<figcaption><b>{html.escape(title)}.</b> {html.escape(caption)}</figcaption></figure>")
parts.append("<h2>Configs that ran</h2>")
for name, digest, text in configs:
    parts.append(f"<details><summary>{html.escape(name)} (digest {html.escape(digest)})</summary>"
                 f"<pre>{html.escape(text)}</pre></details>")
parts.append("</body></html>\n")
with open(os.path.join(OUT, "report.html.tmp"), "w") as f:
    f.write("".join(parts))
os.replace(os.path.join(OUT, "report.html.tmp"), os.path.join(OUT, "report.html"))
print(f"report: {OUT}/report.html, {OUT}/report.md, {len(plots)} plots in {OUT}/plots/")
