#include "fabric/collective/collective_params.h"

#include <fmt/format.h>

#include "core/registry.h"

namespace litesim {

ImplConfig CollectiveAlgorithms::*CollectiveAlgorithms::member(CollOp op) {
  switch (op) {
    case CollOp::AllReduce:
      return &CollectiveAlgorithms::allreduce;
    case CollOp::AllGather:
      return &CollectiveAlgorithms::allgather;
    case CollOp::ReduceScatter:
      return &CollectiveAlgorithms::reducescatter;
    case CollOp::AllToAll:
      return &CollectiveAlgorithms::alltoall;
    case CollOp::Broadcast:
      return &CollectiveAlgorithms::broadcast;
    case CollOp::Reduce:
      return &CollectiveAlgorithms::reduce;
    case CollOp::SendRecv:
      return &CollectiveAlgorithms::sendrecv;
  }
  return &CollectiveAlgorithms::allreduce;
}

const char* default_algorithm(CollOp op) { return op == CollOp::AllToAll ? "direct" : "ring"; }

const ParamSet<CollectiveAlgorithms>& CollectiveAlgorithms::schema() {
  static const ParamSet<CollectiveAlgorithms> s(
      "algorithm", "the default algorithm of each collective op",
      [](ParamSet<CollectiveAlgorithms>& p) {
        for (const std::string& name : op_names()) {
          const CollOp op = parse_op(name);
          p.impl(name, member(op), "collective", fmt::format("algorithm of {} (litesim list: [collective])", name),
                 std::string(default_algorithm(op)));
        }
      },
      // Each op's algorithm must implement it and be buildable from its parameters, so that a
      // config that could never run is refused where it is written.
      [](const CollectiveAlgorithms& a, const ParamWhere& w) {
        for (const std::string& name : op_names()) {
          const CollOp op = parse_op(name);
          try {
            check_algorithm(a.of(op), op);
          } catch (const CollectiveError& e) {
            w.fail(name, e.what());
          }
        }
      });
  return s;
}

const ParamSet<CollectiveParams>& CollectiveParams::schema() {
  static const ParamSet<CollectiveParams> s(
      "collective", "how this system runs collectives (litesim tb collective's defaults)",
      [](ParamSet<CollectiveParams>& p) {
        p.section("algorithm", &CollectiveParams::algorithm, "the default algorithm of each op");
        p.quantity("chunk", &CollectiveParams::chunk,
                   "largest message: transfers are cut into chunks of this and pipelined; 0: whole")
            .non_negative()
            .fallback("0 B");
        p.quantity("reduce_bandwidth", &CollectiveParams::reduce_bandwidth,
                   "rate at which a GPU reduces received data, one reduction at a time; 0: not modelled")
            .non_negative()
            .fallback("0 B/s");
        p.integer("connection_window", &CollectiveParams::connection_window,
                  "messages in flight per (source, destination) GPU pair; 0: unlimited")
            .non_negative()
            .fallback("0");
        p.quantity("launch_latency", &CollectiveParams::launch_latency,
                   "a trace's collective starts this long after its last member reaches it (the library's kernel "
                   "launch and synchronisation); 0: not modelled")
            .non_negative()
            .fallback("0 ns");
      });
  return s;
}

}  // namespace litesim
