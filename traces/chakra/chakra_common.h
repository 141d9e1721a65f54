#pragma once
// Internal to traces/chakra: what the reader and the writer share.
#include <optional>

#include "fabric/collective/collective.h"
#include "traces/chakra/et_def.pb.h"

namespace litesim::chakra {

// The Chakra comm_type of each collective LiteSim runs, and back.
struct CommTypeName {
  CollOp op;
  ChakraProtoMsg::CollectiveCommType type;
};
inline constexpr CommTypeName kCommTypes[] = {
    {CollOp::AllReduce, ChakraProtoMsg::ALL_REDUCE}, {CollOp::Reduce, ChakraProtoMsg::REDUCE},
    {CollOp::AllGather, ChakraProtoMsg::ALL_GATHER}, {CollOp::Broadcast, ChakraProtoMsg::BROADCAST},
    {CollOp::AllToAll, ChakraProtoMsg::ALL_TO_ALL},  {CollOp::ReduceScatter, ChakraProtoMsg::REDUCE_SCATTER},
};

inline std::optional<ChakraProtoMsg::CollectiveCommType> comm_type_of(CollOp op) {
  for (const auto& c : kCommTypes)
    if (c.op == op) return c.type;
  return std::nullopt;
}

inline std::optional<CollOp> coll_op_of(int64_t comm_type) {
  for (const auto& c : kCommTypes)
    if (c.type == comm_type) return c.op;
  return std::nullopt;
}

// The version written into GlobalMetadata (what Chakra's generator writes).
inline constexpr const char* kVersion = "0.0.4";
// A LiteSim extension attribute (int32_val): a broadcast's or reduce's root as an index into its
// group. Chakra has no root; other readers ignore attributes they do not know.
inline constexpr const char* kRootAttr = "litesim_root";

}  // namespace litesim::chakra
