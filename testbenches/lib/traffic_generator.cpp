#include "testbenches/lib/traffic_generator.h"

#include <stdexcept>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_time.h"

namespace litesim {

TrafficGenerator::TrafficGenerator(sc_core::sc_module_name name, const TrafficParams& p, uint64_t capacity)
    : sc_module(name), out("out"), p_(p), capacity_(capacity), rng_(p.seed, "traffic"), pool_(static_cast<size_t>(p.outstanding)) {
  if (p_.footprint == 0) p_.footprint = capacity;
  if (p_.pattern != "stream" && p_.pattern != "random" && p_.pattern != "strided" && p_.pattern != "mixed")
    throw std::invalid_argument(fmt::format("--pattern: '{}' is not one of stream, random, strided, mixed", p_.pattern));
  if (p_.request_bytes == 0 || p_.request_bytes > (1u << 30))
    throw std::invalid_argument("--request-bytes: must be between 1 B and 1 GiB");
  if (p_.outstanding < 1) throw std::invalid_argument("--outstanding: must be at least 1");
  if (p_.footprint > capacity || p_.footprint < p_.request_bytes)
    throw std::invalid_argument(fmt::format("--footprint: must lie between the request size and the capacity ({} B)", capacity));
  if (p_.read_ratio < 0 || p_.read_ratio > 1) throw std::invalid_argument("--read-ratio: must lie in [0, 1]");
  if (p_.pattern == "strided" && p_.stride == 0) throw std::invalid_argument("--stride: the strided pattern needs a stride");
  out.register_nb_transport_bw(this, &TrafficGenerator::nb_transport_bw);
  for (auto& t : pool_) free_.push_back(&t);
  SC_HAS_PROCESS(TrafficGenerator);
  SC_THREAD(run);
}

uint64_t TrafficGenerator::address(uint64_t i, bool read) {
  const uint64_t slots = p_.footprint / p_.request_bytes;
  if (p_.pattern == "stream" || (p_.pattern == "mixed" && read)) {
    const uint64_t a = (stream_pos_ % slots) * p_.request_bytes;
    ++stream_pos_;
    return a;
  }
  if (p_.pattern == "strided") {  // request-aligned, wrapping in the footprint
    const uint64_t stride_slots = std::max<uint64_t>(1, p_.stride / p_.request_bytes);
    return ((i % slots) * stride_slots % slots) * p_.request_bytes;
  }
  return rng_.below(slots) * p_.request_bytes;  // random, and the writes of mixed
}

void TrafficGenerator::run() {
  first_ = sim_now();
  for (uint64_t i = 0; i < p_.requests; ++i) {
    while (free_.empty()) sc_core::wait(freed_);
    tlm::tlm_generic_payload* t = free_.back();
    free_.pop_back();
    const bool read = rng_.uniform() < p_.read_ratio;
    t->set_command(read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
    t->set_address(address(i, read));
    t->set_data_ptr(nullptr);
    t->set_data_length(static_cast<unsigned>(p_.request_bytes));
    t->set_streaming_width(static_cast<unsigned>(p_.request_bytes));
    t->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    req_pending_ = true;
    pending_ = t;
    const tlm::tlm_sync_enum s = out->nb_transport_fw(*t, ph, d);
    if (s == tlm::TLM_COMPLETED) {  // rejected at once (an error response)
      if (t->is_response_error())
        throw SimError(fmt::format("{}: request rejected: {}", name(), t->get_response_string()));
      req_pending_ = false;
      response(*t);
      continue;
    }
    if (s == tlm::TLM_UPDATED && ph == tlm::END_REQ) req_pending_ = false;
    while (req_pending_) sc_core::wait(end_req_);  // request exclusion: one BEGIN_REQ at a time
  }
}

tlm::tlm_sync_enum TrafficGenerator::nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time&) {
  if (ph == tlm::END_REQ) {
    req_pending_ = false;
    end_req_.notify(sc_core::SC_ZERO_TIME);
    return tlm::TLM_ACCEPTED;
  }
  if (ph == tlm::BEGIN_RESP) {
    if (req_pending_ && &t == pending_) {  // BEGIN_RESP implies END_REQ
      req_pending_ = false;
      end_req_.notify(sc_core::SC_ZERO_TIME);
    }
    response(t);
    return tlm::TLM_COMPLETED;
  }
  return tlm::TLM_ACCEPTED;
}

void TrafficGenerator::response(tlm::tlm_generic_payload& t) {
  last_ = sim_now();
  bytes_ += t.get_data_length();
  ++responses_;
  free_.push_back(&t);
  freed_.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace litesim
