#include "traces/runner/timeline.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "traces/runner/runner.h"
#include "traces/system/system.h"

namespace litesim {
namespace {

// Picoseconds (never negative) as microseconds, exactly: the trace-event format's unit.
std::string us(int64_t ps) {
  std::string s = fmt::format("{}.{:06}", ps / 1000000, ps % 1000000);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string str(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The events, one per line.
class Events {
 public:
  void add(const std::string& e) {
    out_ += first_ ? "\n" : ",\n";
    out_ += e;
    first_ = false;
  }
  void meta(const char* what, int pid, int tid, const std::string& key, const std::string& value) {
    add(fmt::format(R"({{"ph":"M","name":"{}","pid":{}{},"args":{{"{}":{}}}}})", what, pid,
                    tid > 0 ? fmt::format(R"(,"tid":{})", tid) : "", key, value));
  }
  // A counter track `name key` over [0, span): the amount per window (`counts`, width w, the last
  // one ending at span) over the window's length x `scale`; a sample where the value changes, and 0
  // at the end.
  void counter(int pid, const std::string& name, const char* key, const std::vector<uint64_t>& counts, int64_t w,
               int64_t span, double scale) {
    auto sample = [&](int64_t ts, double v) {
      add(fmt::format(R"({{"ph":"C","pid":{},"name":{},"ts":{},"args":{{"{}":{}}}}})", pid, str(name), us(ts), key, v));
    };
    double last = -1;
    for (size_t k = 0; k < counts.size(); ++k) {
      const int64_t t0 = static_cast<int64_t>(k) * w;
      const double v = static_cast<double>(counts[k]) * scale / static_cast<double>(std::min(w, span - t0));
      if (v != last) sample(t0, v);
      last = v;
    }
    sample(span, 0.0);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  bool first_ = true;
};

// Which ops get an event: all, or the `cap` that start first (ties by rank, then issue order).
std::vector<std::vector<bool>> pick_ops(const Runner& runner, size_t cap, size_t& written) {
  const auto& ops = runner.ops();
  std::vector<std::vector<bool>> keep(ops.size());
  std::vector<int64_t> starts;
  for (const auto& r : ops)
    for (const OpRecord& o : r) starts.push_back(o.start.ps);
  int64_t cut = INT64_MAX;  // ops starting before it are kept, and `ties` of those starting at it
  size_t ties = 0;
  if (starts.size() > cap) {
    if (cap == 0) {
      cut = INT64_MIN;
    } else {
      std::nth_element(starts.begin(), starts.begin() + static_cast<std::ptrdiff_t>(cap - 1), starts.end());
      cut = starts[cap - 1];
      ties = cap - static_cast<size_t>(std::count_if(starts.begin(), starts.end(), [&](int64_t s) { return s < cut; }));
    }
  }
  written = 0;
  for (size_t r = 0; r < ops.size(); ++r) {
    keep[r].resize(ops[r].size());
    for (size_t i = 0; i < ops[r].size(); ++i) {
      const int64_t s = ops[r][i].start.ps;
      bool k = s < cut;
      if (s == cut && ties > 0) {
        k = true;
        --ties;
      }
      keep[r][i] = k;
      written += k;
    }
  }
  return keep;
}

}  // namespace

std::string timeline_json(const System& sys, const Runner& runner, Time end, nlohmann::json metadata,
                          const TimelineLimits& limits) {
  const Trace& t = runner.trace();
  const int gpus = sys.gpus();
  const int fabric_pid = gpus + 1;
  Events ev;

  // Processes and threads.
  for (int g = 0; g < gpus; ++g) {
    ev.meta("process_name", g + 1, 0, "name", str(fmt::format("gpu{} ({})", g, sys.gpu(g).params().name)));
    ev.meta("process_sort_index", g + 1, 0, "sort_index", std::to_string(g));
    if (static_cast<size_t>(g) >= t.ranks.size() || t.ranks[static_cast<size_t>(g)].ops.empty()) continue;
    for (size_t s = 0; s < t.streams.size(); ++s) {
      ev.meta("thread_name", g + 1, static_cast<int>(s) + 1, "name", str(t.streams[s]));
      ev.meta("thread_sort_index", g + 1, static_cast<int>(s) + 1, "sort_index", std::to_string(s));
    }
  }
  ev.meta("process_name", fabric_pid, 0, "name", str("fabric"));
  ev.meta("process_sort_index", fabric_pid, 0, "sort_index", std::to_string(gpus));

  // One complete event per op, stream by stream in issue order (so a thread's events never overlap).
  std::vector<std::vector<int>> coll_of(t.ranks.size());
  for (size_t r = 0; r < t.ranks.size(); ++r) coll_of[r].assign(t.ranks[r].ops.size(), -1);
  for (size_t c = 0; c < runner.collectives().size(); ++c)
    for (const auto& [rank, op] : runner.collectives()[c]->ops)
      coll_of[static_cast<size_t>(rank)][op] = static_cast<int>(c);
  size_t written = 0;
  const auto keep = pick_ops(runner, limits.max_ops, written);
  for (size_t r = 0; r < t.ranks.size(); ++r) {
    const auto& tops = t.ranks[r].ops;
    std::vector<std::vector<uint32_t>> by_stream(t.streams.size());
    for (uint32_t i = 0; i < tops.size(); ++i)
      if (keep[r][i] && runner.ops()[r][i].done) by_stream[static_cast<size_t>(tops[i].stream)].push_back(i);
    for (size_t s = 0; s < by_stream.size(); ++s)
      for (uint32_t i : by_stream[s]) {
        const TraceOp& o = tops[i];
        const OpRecord& rec = runner.ops()[r][i];
        std::string args = fmt::format(R"("bytes":{},"flops":{})", o.bytes, rec.flops);
        if (o.peer >= 0) args += fmt::format(R"(,"peer":{})", o.peer);
        if (o.kind == TraceOpKind::Send || o.kind == TraceOpKind::Recv) args += fmt::format(R"(,"tag":{})", o.tag);
        if (coll_of[r][i] >= 0) {
          const CollectiveRecord& c = *runner.collectives()[static_cast<size_t>(coll_of[r][i])];
          args += fmt::format(R"(,"collective":{},"group":{},"algorithm":{},"instance":{})",
                              str(o.kind == TraceOpKind::Barrier ? "barrier" : op_name(o.coll)),
                              str(t.groups[static_cast<size_t>(c.group)].name), str(c.algo), coll_of[r][i]);
        }
        ev.add(fmt::format(R"({{"ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"name":{},"cat":"{}","args":{{{}}}}})",
                           r + 1, s + 1, us(rec.start.ps), us((rec.end - rec.start).ps), str(o.id),
                           trace_op_name(o.kind), args));
      }
  }

  // Counters: every recorder regridded to one width, the finest that cuts the run into at most
  // max_windows windows (and no finer than any recorder kept).
  const Time base{1000};
  std::vector<const WindowedSum*> recorders;
  for (int g = 0; g < gpus; ++g) recorders.push_back(sys.gpu(g).hbm->traffic());
  const std::vector<LinkActivity> links = sys.fabric().link_activity();
  for (const LinkActivity& l : links) recorders.push_back(l.busy_ps);
  Time finest{base};
  for (const WindowedSum* w : recorders)
    if (w && finest < w->window()) finest = w->window();
  const Time width = WindowedSum::width_for(end, base, limits.max_windows, finest);
  // A track runs to the run's end; an HBM's goes on to its last data beat if posted writes drained
  // after the run's last event.
  auto counter = [&](int pid, const std::string& name, const char* key, const WindowedSum& w, double scale) {
    const int64_t span = std::max(end.ps, w.last().ps);
    const size_t n = static_cast<size_t>((span + width.ps - 1) / width.ps);
    ev.counter(pid, name, key, w.regrid(width, n), width.ps, span, scale);
  };
  for (int g = 0; g < gpus; ++g)
    if (const WindowedSum* w = sys.gpu(g).hbm->traffic())
      counter(g + 1, "hbm", "GBps", *w, 1000.0);  // B/ps = 1000 GB/s
  for (const LinkActivity& l : links)
    counter(fabric_pid, fmt::format("{} {}->{}", l.name, l.from_name, l.to_name), "util", *l.busy_ps, 1.0);

  metadata["sim_time_ns"] = end.ns();
  metadata["ops"] = t.op_count();
  metadata["ops_written"] = written;
  metadata["ops_cap"] = limits.max_ops;
  metadata["ops_truncated"] = written < t.op_count();
  metadata["window_ns"] = width.ns();
  metadata["max_windows"] = limits.max_windows;
  return fmt::format("{{\"displayTimeUnit\":\"ns\",\n\"metadata\":{},\n\"traceEvents\":[{}\n]}}\n", metadata.dump(),
                     ev.take());
}

}  // namespace litesim
