#pragma once
// Max-min fair rates of flows over shared links, by progressive filling (Bertsekas & Gallager,
// "Data Networks", 2nd ed., section 6.5.2): every unfrozen flow's rate rises at the same pace; a
// link whose capacity is used up freezes the flows crossing it, a flow that reaches its own cap
// freezes alone; repeat until every flow is frozen. The result is the unique allocation in which no
// flow can get more without taking from a flow that has no more than it. The flow-level fabric
// backend recomputes it when flows start or end. Pure C++, deterministic (index order), no SystemC.
#include <cstdint>
#include <vector>

namespace litesim {

struct FlowDemand {
  std::vector<int> links;  // indices into the capacities; a link may appear once per flow
  double cap = 0;          // the flow's own limit (e.g. its credit window / RTT); 0: none
};

// Rates (same unit as the capacities) of `flows` over links of `capacity`. A flow with no links gets
// its cap (or 0 when it has none: it is not limited by anything here, the caller decides).
// Throws std::invalid_argument for a negative capacity or cap, or a link index out of range.
std::vector<double> max_min_rates(const std::vector<double>& capacity, const std::vector<FlowDemand>& flows);

// The same solver over flows given in compressed rows (flow f crosses links
// link[first[f]] .. link[first[f+1] - 1]), keeping its work arrays between calls: the flow backend
// solves many small systems. Inputs are trusted (the checks are max_min_rates').
class MaxMinSolver {
 public:
  // rate.size() becomes cap.size().
  void solve(const std::vector<double>& capacity, const std::vector<uint32_t>& first, const std::vector<uint32_t>& link,
             const std::vector<double>& cap, std::vector<double>& rate);
  uint64_t rounds() const { return rounds_; }  // freezing rounds run so far (all calls)

 private:
  std::vector<double> left_;
  std::vector<uint32_t> users_;
  std::vector<uint8_t> frozen_, full_;
  std::vector<uint32_t> live_;  // unfrozen flows
  uint64_t rounds_ = 0;
};

}  // namespace litesim
