// Fault parameters and their resolution against a topology (fault_params.h).
#include "fabric/fault/fault_params.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/registry.h"
#include "core/rng.h"
#include "fabric/link/link_budget.h"

namespace litesim {

const ParamSet<FaultParams>& FaultParams::schema() {
  static const ParamSet<FaultParams> s(
      "fault", "one fault injected into the run (docs/faults.md, Fault injection)",
      [](ParamSet<FaultParams>& p) {
        p.string("target", &FaultParams::target,
                 "what fails: `link ID` (litesim topo's numbering), `link END-END` (e.g. link gpu3-gpu4), `gpu N`, "
                 "`switch N`, `ocs N` or `ocs N port P` (an optical circuit switch or one port: the circuit through "
                 "it), `hbm gpuN.K` (stack K), `engine gpuN.E` (optical engine E) or `laser gpuN.E.K` (wavelength K of "
                 "engine E)");
        p.choice("kind", &FaultParams::kind, {"fail-stop", "degrade", "flap"},
                 "fail-stop (dead from `at` on), degrade (`remaining` of its bandwidth from `at` on) or flap (dead "
                 "for `duration` from `at`)");
        p.quantity("at", &FaultParams::at, "when the fault strikes").non_negative();
        p.real("remaining", &FaultParams::remaining, "degrade: the share of the link's bandwidth left")
            .at_least(0)
            .at_most(1)
            .fallback("0.5");
        p.quantity("duration", &FaultParams::duration, "flap: how long the link is down")
            .non_negative()
            .fallback("0 ns");
      },
      [](const FaultParams& f, const ParamWhere& w) {
        if (f.kind == "degrade" && !(f.remaining > 0 && f.remaining < 1))
          w.fail("remaining", "a degraded link keeps more than 0 and less than 1 of its bandwidth (0: use fail-stop)");
        if (f.kind == "flap" && !(f.duration.ps > 0)) w.fail("duration", "a flap is down for a positive duration");
      });
  return s;
}

const ParamSet<RecoveryParams>& RecoveryParams::schema() {
  static const ParamSet<RecoveryParams> s(
      "recovery", "how the network reacts to a dead link (docs/faults.md, Fault injection)",
      [](ParamSet<RecoveryParams>& p) {
        p.quantity("detect", &RecoveryParams::detect,
                   "from a link's death to its ends and the routing knowing it (assumption, docs/faults.md)")
            .non_negative()
            .fallback("1 ms");
        p.quantity("reconverge", &RecoveryParams::reconverge,
                   "from detection to every route avoiding the dead link (assumption, docs/faults.md)")
            .non_negative()
            .fallback("10 ms");
        p.quantity("collective_timeout", &RecoveryParams::collective_timeout,
                   "a job waiting on a message lost for good is aborted this long after the loss (PyTorch's "
                   "default process-group timeout for NCCL: 10 minutes)")
            .positive()
            .fallback("600 s");
        p.impl("policy", &RecoveryParams::policy, "recovery-policy",
               "what the job does when a fault stops it (litesim tb fault applies it): abort | restart | shrink | "
               "spare (docs/faults.md, Recovery policies)",
               std::string("abort"));
      });
  return s;
}

const ParamSet<FaultDrawParams>& FaultDrawParams::schema() {
  static const ParamSet<FaultDrawParams> s(
      "fault_draw", "faults drawn from failure rates with the run's seed (docs/faults.md)",
      [](ParamSet<FaultDrawParams>& p) {
        p.real("link_mtbf_hours", &FaultDrawParams::link_mtbf_hours,
               "a link's mean time between failures in hours, 0: none drawn (configs/reliability/llama3-h100.yaml: "
               "1213352)")
            .at_least(0)
            .fallback("0");
        p.real("link_mttr_hours", &FaultDrawParams::link_mttr_hours, "a link's mean time to repair in hours")
            .at_least(0)
            .fallback("0");
        p.real("gpu_mtbf_hours", &FaultDrawParams::gpu_mtbf_hours,
               "a GPU's mean time between failures in hours (a fail-stop), 0: none drawn (llama3-h100.yaml's GPU "
               "die and five HBM stacks together: 1 / (1/115400 + 5/1474560) = 82944)")
            .at_least(0)
            .fallback("0");
        p.real("switch_mtbf_hours", &FaultDrawParams::switch_mtbf_hours,
               "a switch's mean time between failures in hours (a fail-stop), 0: none drawn")
            .at_least(0)
            .fallback("0");
        p.real("acceleration", &FaultDrawParams::acceleration,
               "every time divided by this, so that a short run sees failures (1: real rates)")
            .at_least(1)
            .fallback("1");
      },
      [](const FaultDrawParams& d, const ParamWhere& w) {
        if (!(d.link_mtbf_hours > 0 || d.gpu_mtbf_hours > 0 || d.switch_mtbf_hours > 0))
          w.fail("link_mtbf_hours",
                 "at least one of link_mtbf_hours, gpu_mtbf_hours and switch_mtbf_hours is positive");
        if (d.link_mtbf_hours > 0 && !(d.link_mttr_hours > 0))
          w.fail("link_mttr_hours", "a drawn link flap needs a positive mean time to repair");
      });
  return s;
}

std::vector<LinkFault> draw_faults(const Topology& topo, const FaultDrawParams& draw, uint64_t seed) {
  constexpr double kHorizonS = 1e6;
  auto exponential = [](Rng& rng, double mean_s) { return -mean_s * std::log(1.0 - rng.uniform()); };
  auto ps = [](double s) { return Time{static_cast<int64_t>(std::llround(s * 1e12))}; };
  std::vector<LinkFault> out;
  if (draw.link_mtbf_hours > 0) {
    Rng rng(seed, "fabric.fault_draw");
    for (const TopoEdge& e : topo.links()) {
      const double fail_s = exponential(rng, draw.link_mtbf_hours * 3600.0 / draw.acceleration);
      const double down_s = exponential(rng, draw.link_mttr_hours * 3600.0 / draw.acceleration);
      if (fail_s > kHorizonS) continue;
      LinkFault f;
      f.link = e.id;
      f.kind = FaultKind::Flap;
      f.at = ps(fail_s);
      f.duration = Time{std::max<int64_t>(1, ps(std::min(down_s, kHorizonS)).ps)};
      f.text = fmt::format("link {} drawn flap at {} ns for {} ns", e.id, f.at.ns(), f.duration.ns());
      out.push_back(f);
    }
  }
  // A GPU or switch: every link of it dies at one drawn time.
  auto parts = [&](double mtbf_hours, const char* stream, int first, int count, const char* what) {
    if (!(mtbf_hours > 0)) return;
    Rng rng(seed, stream);
    for (int i = 0; i < count; ++i) {
      const double fail_s = exponential(rng, mtbf_hours * 3600.0 / draw.acceleration);
      if (fail_s > kHorizonS) continue;
      const int v = first + i;
      const std::string text = fmt::format("{} {} drawn fail-stop at {} ns", what, i, ps(fail_s).ns());
      for (int p = 0; p < topo.degree(v); ++p)
        out.push_back(
            {topo.link_at(v, p).id, FaultKind::FailStop, ps(fail_s), 0.0, Time{}, text, topo.is_gpu(v) ? v : -1});
    }
  };
  parts(draw.gpu_mtbf_hours, "fabric.fault_draw.gpu", 0, topo.num_gpus(), "gpu");
  parts(draw.switch_mtbf_hours, "fabric.fault_draw.switch", topo.num_gpus(), topo.num_switches(), "switch");
  return out;
}

const char* fault_kind_name(FaultKind k) {
  switch (k) {
    case FaultKind::FailStop:
      return "fail-stop";
    case FaultKind::Degrade:
      return "degrade";
    case FaultKind::Flap:
      return "flap";
  }
  return "?";
}

namespace {

// "3" -> 3, -1 unless all digits (and not absurdly long): the numbers in fault targets.
int small_number(const std::string& s) {
  if (s.empty() || s.size() > 8 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return -1;
  return std::stoi(s);
}

// "gpu3" -> vertex 3; "switch1" -> the second switch's vertex; -1 when no such vertex.
int vertex_named(const Topology& t, const std::string& name) {
  auto number = [&](const std::string& prefix) -> int {
    return name.rfind(prefix, 0) == 0 ? small_number(name.substr(prefix.size())) : -1;
  };
  if (const int g = number("gpu"); g >= 0) return g < t.num_gpus() ? g : -1;
  if (const int s = number("switch"); s >= 0) return s < t.num_switches() ? t.num_gpus() + s : -1;
  return -1;
}

}  // namespace

namespace {

// A lost-lanes fault of one GPU (an engine or a laser): which of its lanes, from when.
struct LaneLoss {
  int gpu = 0;
  std::vector<int> lanes;  // the GPU's lane indices lost, ascending
  Time at;
  std::string text;
  std::string key;  // fabric.faults[i].target, for the error when it touches no link
};

// Each lane loss, in time order, as link changes: a link loses its lane slot i when the lane it takes
// at either end is lost (its ports take a GPU's lanes in port order); it then runs at the slots left
// (a degrade) or dies when none is left. A change only when the link's slots left change.
void lane_losses_to_links(const Topology& topo, const FaultScope& scope, std::vector<LaneLoss> losses,
                          std::vector<LinkFault>& out, const std::function<SourceLoc(const std::string&)>& where) {
  std::stable_sort(losses.begin(), losses.end(), [](const LaneLoss& a, const LaneLoss& b) { return a.at < b.at; });
  std::map<int, std::vector<bool>> slots_lost;  // link id -> lost per lane slot
  for (const LaneLoss& loss : losses) {
    int used = 0;  // the lanes the GPU's links take
    for (int p = 0; p < topo.degree(loss.gpu); ++p) used += link_lanes(topo.link_at(loss.gpu, p), scope.link);
    if (loss.lanes.front() >= used)
      throw ConfigError(
          where(loss.key), loss.key,
          fmt::format("it takes lanes {} to {} of GPU {}, but the GPU's links take only its lanes 0 to {} "
                      "(ports in order): losing them touches no link",
                      loss.lanes.front(), loss.lanes.back(), loss.gpu, used - 1));
    int first = 0;  // the GPU's first lane of port p
    for (int p = 0; p < topo.degree(loss.gpu); ++p) {
      const TopoEdge& e = topo.link_at(loss.gpu, p);
      const int n = link_lanes(e, scope.link);
      auto lo = std::lower_bound(loss.lanes.begin(), loss.lanes.end(), first);
      std::vector<bool>& lost = slots_lost.try_emplace(e.id, static_cast<size_t>(n), false).first->second;
      bool changed = false;
      for (; lo != loss.lanes.end() && *lo < first + n; ++lo)
        if (!lost[static_cast<size_t>(*lo - first)]) lost[static_cast<size_t>(*lo - first)] = changed = true;
      first += n;
      if (!changed) continue;
      const auto left = std::count(lost.begin(), lost.end(), false);
      LinkFault f;
      f.link = e.id;
      f.kind = left == 0 ? FaultKind::FailStop : FaultKind::Degrade;
      f.at = loss.at;
      f.remaining = static_cast<double>(left) / n;
      f.text = loss.text;
      out.push_back(f);
    }
  }
}

}  // namespace

std::vector<LinkFault> resolve_faults(const Topology& topo, const std::vector<FaultParams>& faults,
                                      const std::function<SourceLoc(const std::string&)>& where,
                                      const FaultScope* scope) {
  std::vector<LinkFault> out;
  std::vector<LaneLoss> lane_losses;
  for (size_t i = 0; i < faults.size(); ++i) {
    const FaultParams& f = faults[i];
    const std::string key = fmt::format("fabric.faults[{}].target", i);
    auto fail = [&](const std::string& what) { throw ConfigError(where(key), key, what); };
    std::istringstream in(f.target);
    std::string what, which, extra;
    in >> what >> which;
    const FaultKind kind = f.kind == "degrade" ? FaultKind::Degrade
                           : f.kind == "flap"  ? FaultKind::Flap
                                               : FaultKind::FailStop;
    const std::string text = fmt::format("{} {} at {} ns", f.target, f.kind, f.at.ns());
    if ((what == "gpu" || what == "switch") && !which.empty() && !(in >> extra)) {  // every link of it at once
      const int g = vertex_named(topo, what + which);
      if (g < 0)
        fail(what == "gpu" ? fmt::format("no GPU {}: the topology has GPUs 0 to {}", which, topo.num_gpus() - 1)
                           : fmt::format("no switch {}: the topology has {} switch(es)", which, topo.num_switches()));
      if (kind == FaultKind::Degrade)
        fail(fmt::format("a {} fails (fail-stop) or flaps; degrade one of its links instead", what));
      for (int p = 0; p < topo.degree(g); ++p)
        out.push_back({topo.link_at(g, p).id, kind, f.at, 0.0, f.duration, text, what == "gpu" ? g : -1});
      continue;
    }
    if (what == "ocs" && !which.empty()) {  // `ocs N` (the unit) or `ocs N port P` (one circuit's end)
      const int u = small_number(which);
      const auto& units = topo.ocs_units();
      if (u < 0 || u >= static_cast<int>(units.size()))
        fail(units.empty() ? std::string("the topology has no optical circuit switches")
                           : fmt::format("no OCS unit '{}': the topology has units 0 to {}", which, units.size() - 1));
      const OcsUnit& unit = units[static_cast<size_t>(u)];
      if (unit.links.empty()) fail(fmt::format("OCS unit {} holds no circuits: its failure touches no link", u));
      std::vector<int> circuits = unit.links;
      std::string word, port;
      if (in >> word) {
        const int pt = word == "port" && (in >> port) && !(in >> extra) ? small_number(port) : -1;
        if (pt < 0) fail(fmt::format("expected `ocs N` or `ocs N port P`, got '{}'", f.target));
        if (pt >= unit.ports)
          fail(fmt::format("no port {} on OCS unit {}: it has ports 0 to {}", pt, u, unit.ports - 1));
        // circuit k of the unit takes its ports 2k and 2k + 1
        if (pt / 2 >= static_cast<int>(unit.links.size()))
          fail(fmt::format("port {} of OCS unit {} holds no circuit (its {} circuit(s) take ports 0 to {})", pt, u,
                           unit.links.size(), 2 * unit.links.size() - 1));
        circuits = {unit.links[static_cast<size_t>(pt / 2)]};
      }
      if (kind == FaultKind::Degrade) fail("an OCS port fails (fail-stop) or flaps; degrade the link instead");
      for (int l : circuits) out.push_back({l, kind, f.at, 0.0, f.duration, text, -1});
      continue;
    }
    if ((what == "hbm" || what == "engine" || what == "laser") && !which.empty() && !(in >> extra)) {
      // gpuN.K / gpuN.E / gpuN.E.K
      std::vector<std::string> parts;
      for (size_t at = 0;;) {
        const size_t dot = which.find('.', at);
        parts.push_back(which.substr(at, dot == std::string::npos ? std::string::npos : dot - at));
        if (dot == std::string::npos) break;
        at = dot + 1;
      }
      const size_t want = what == "laser" ? 3 : 2;
      const int g = vertex_named(topo, parts[0]);
      if (parts.size() != want || g < 0 || !topo.is_gpu(g))
        fail(fmt::format("expected `{}`, a GPU of the topology (gpu0 to gpu{}), got '{}'",
                         what == "hbm"      ? "hbm gpuN.K"
                         : what == "engine" ? "engine gpuN.E"
                                            : "laser gpuN.E.K",
                         topo.num_gpus() - 1, f.target));
      if (kind != FaultKind::FailStop)
        fail(fmt::format("an {} fails for good (fail-stop): its replacement takes hours, longer than a run",
                         what == "hbm"      ? "HBM stack"
                         : what == "engine" ? "optical engine"
                                            : "laser"));
      if (!scope) fail(fmt::format("`{}` targets need the GPUs' package (a system run, not a network alone)", what));
      if (what == "hbm") {
        const int k = small_number(parts[1]);
        if (scope->hbm_stacks <= 0) fail("the package's HBM stack count is not known here");
        if (k < 0 || k >= scope->hbm_stacks)
          fail(fmt::format("no HBM stack '{}': the package has stacks 0 to {}", parts[1], scope->hbm_stacks - 1));
        // an uncorrectable stack takes the GPU out of service: every link of it dies, its compute stops
        for (int p = 0; p < topo.degree(g); ++p)
          out.push_back({topo.link_at(g, p).id, FaultKind::FailStop, f.at, 0.0, Time{}, text, g});
        continue;
      }
      const CpoParams& c = scope->gpu_cpo.size() == 1 ? scope->gpu_cpo[0] : scope->gpu_cpo.at(static_cast<size_t>(g));
      const int e = small_number(parts[1]);
      if (e < 0 || e >= c.engines)
        fail(fmt::format("no optical engine '{}': the package optics '{}' has engines 0 to {}", parts[1], c.name,
                         c.engines - 1));
      LaneLoss loss{g, {}, f.at, text, key};
      const int per_engine = c.fibres_per_engine * c.wavelengths_per_fibre;
      if (what == "engine") {
        for (int l = 0; l < per_engine; ++l) loss.lanes.push_back(e * per_engine + l);
      } else {
        const int k = small_number(parts[2]);
        if (k < 0 || k >= c.wavelengths_per_fibre)
          fail(fmt::format("no wavelength '{}': the package optics '{}' has wavelengths 0 to {} per fibre", parts[2],
                           c.name, c.wavelengths_per_fibre - 1));
        for (int fib = 0; fib < c.fibres_per_engine; ++fib)
          loss.lanes.push_back(e * per_engine + fib * c.wavelengths_per_fibre + k);
      }
      lane_losses.push_back(std::move(loss));
      continue;
    }
    if (what != "link" || which.empty() || (in >> extra))
      fail(
          fmt::format("expected `link ID`, `link END-END` (e.g. link gpu3-gpu4), `gpu N`, `switch N`, `hbm gpuN.K`, "
                      "`engine gpuN.E` or `laser gpuN.E.K`, got '{}'",
                      f.target));
    LinkFault lf;
    lf.link = -1;
    if (std::all_of(which.begin(), which.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      const int id = small_number(which);
      if (id < 0 || id >= topo.num_links())
        fail(fmt::format("no link {}: the topology has links 0 to {}", which, topo.num_links() - 1));
      lf.link = id;
    } else {
      const size_t dash = which.find('-');
      const int a = dash == std::string::npos ? -1 : vertex_named(topo, which.substr(0, dash));
      const int b = dash == std::string::npos ? -1 : vertex_named(topo, which.substr(dash + 1));
      if (a < 0 || b < 0)
        fail(fmt::format("'{}' is not two ends (gpuN or switchN, from litesim topo) joined by '-'", which));
      for (const TopoEdge& e : topo.links())
        if ((e.u == a && e.v == b) || (e.u == b && e.v == a)) {
          if (lf.link >= 0)
            fail(fmt::format("{} and {} are joined by more than one link (links {} and {}): name it by its id",
                             which.substr(0, dash), which.substr(dash + 1), lf.link, e.id));
          lf.link = e.id;
        }
      if (lf.link < 0) fail(fmt::format("no link joins {} and {}", which.substr(0, dash), which.substr(dash + 1)));
    }
    lf.kind = kind;
    lf.at = f.at;
    lf.remaining = lf.kind == FaultKind::Degrade ? f.remaining : 0.0;
    lf.duration = f.duration;
    lf.text = text;
    out.push_back(lf);
  }
  if (!lane_losses.empty()) lane_losses_to_links(topo, *scope, std::move(lane_losses), out, where);
  return out;
}

FaultParams parse_fault(const std::string& text, const std::string& option) {
  std::istringstream in(text);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  auto fail = [&]() -> FaultParams {
    throw ConfigError(
        SourceLoc{option, 0, 0}, "",
        fmt::format("expected 'link ID|END-END fail-stop at TIME', '... degrade SHARE at TIME', '... "
                    "flap DURATION at TIME', 'gpu|switch|ocs N fail-stop|flap ...', 'ocs N port P ...' or "
                    "'hbm gpuN.K|engine gpuN.E|laser gpuN.E.K fail-stop at TIME', got '{}'",
                    text));
  };
  // link X KIND [ARG] at TIME (TIME may be "50us" or "50 us")
  static const std::vector<std::string> targets{"link", "gpu", "switch", "ocs", "hbm", "engine", "laser"};
  if (w.size() < 5 || std::find(targets.begin(), targets.end(), w[0]) == targets.end()) return fail();
  FaultParams f;
  const bool port = w[0] == "ocs" && w[2] == "port";  // "ocs 0 port 3 fail-stop at ..."
  if (port && w.size() < 7) return fail();
  f.target = w[0] + " " + w[1] + (port ? " port " + w[3] : "");
  f.kind = w[port ? 4 : 2];
  size_t i = port ? 5 : 3;
  std::string arg;
  if (f.kind == "degrade" || f.kind == "flap") {
    // the argument, possibly a number and a unit ("20 us")
    while (i < w.size() && w[i] != "at") arg += (arg.empty() ? "" : " ") + w[i++];
  } else if (f.kind != "fail-stop") {
    return fail();
  }
  if (i >= w.size() || w[i] != "at" || i + 1 >= w.size()) return fail();
  std::string when;
  for (size_t j = i + 1; j < w.size(); ++j) when += (when.empty() ? "" : " ") + w[j];
  const ConfigPtr node = ConfigNode::make_map({option, 0, 0});
  node->set("target", ConfigNode::make_scalar(f.target, {option, 0, 0}));
  node->set("kind", ConfigNode::make_scalar(f.kind, {option, 0, 0}));
  node->set("at", ConfigNode::make_scalar(when, {option, 0, 0}));
  if (f.kind == "degrade") node->set("remaining", ConfigNode::make_scalar(arg, {option, 0, 0}));
  if (f.kind == "flap") node->set("duration", ConfigNode::make_scalar(arg, {option, 0, 0}));
  return FaultParams::schema().resolve(node, option, {option, 0, 0});
}

namespace {
const BlockRegistrar reg_fault(FaultParams::schema());
const BlockRegistrar reg_recovery(RecoveryParams::schema());
const BlockRegistrar reg_draw(FaultDrawParams::schema());
}  // namespace

}  // namespace litesim
