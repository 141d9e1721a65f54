#pragma once
// `fabric.collective`: how this system runs its collectives unless told otherwise: the algorithm of
// each op, the chunk size, the reduction rate and the messages in flight per connection. Every key
// has a default, so configs without the block keep their meaning; `litesim tb collective` takes its
// defaults from here and its command-line options override them.
#include <cstdint>

#include "core/params.h"
#include "core/units.h"
#include "fabric/collective/collective.h"

namespace litesim {

// The algorithm an op runs when nothing chooses one, and what a run falls back to when the chosen
// one cannot do a group: `direct` for all-to-all (the only one that implements it), `ring` for every
// other op (any group size; docs/parameters.md).
const char* default_algorithm(CollOp op);

// The default algorithm of each op (`kind:` from the `collective` registry, with its parameters).
struct CollectiveAlgorithms {
  ImplConfig allreduce, allgather, reducescatter, alltoall, broadcast, reduce, sendrecv;

  const ImplConfig& of(CollOp op) const { return this->*member(op); }
  static ImplConfig CollectiveAlgorithms::*member(CollOp op);
  static const ParamSet<CollectiveAlgorithms>& schema();
};

struct CollectiveParams {
  CollectiveAlgorithms algorithm;
  DataSize chunk;             // largest message; 0: transfers whole
  DataRate reduce_bandwidth;  // a GPU's reduction rate; 0: reductions not modelled
  int connection_window = 0;  // messages in flight per (source, destination); 0: unlimited
  Time launch_latency;        // from the last member's arrival to the first send (kernel launch, sync)
  static const ParamSet<CollectiveParams>& schema();
};

}  // namespace litesim
