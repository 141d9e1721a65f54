#pragma once
// A memory traffic generator: an approximately-timed TLM initiator that issues a fixed number of
// requests with at most `outstanding` in flight, by pattern. Used by `litesim tb hbm` and tests.
//   stream:  consecutive addresses from 0, wrapping at the footprint
//   strided: request i at i x stride, wrapping at the footprint
//   random:  uniformly random request-aligned addresses in the footprint
//   mixed:   reads stream, writes go to random addresses (weights in, scattered writes out)
// Reads or writes: each request is a read with probability read_ratio (seeded, deterministic).
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "core/rng.h"
#include "core/units.h"

namespace litesim {

struct TrafficParams {
  std::string pattern = "stream";
  uint64_t request_bytes = 64;
  int outstanding = 16;
  uint64_t requests = 1000;
  double read_ratio = 1.0;
  uint64_t seed = 1;
  uint64_t footprint = 0;  // bytes; 0: the whole memory
  uint64_t stride = 0;     // strided: bytes between requests
};

class TrafficGenerator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<TrafficGenerator> out;

  // Throws std::invalid_argument naming the bad option.
  TrafficGenerator(sc_core::sc_module_name name, const TrafficParams& p, uint64_t capacity);

  Time first_issue() const { return first_; }
  Time last_response() const { return last_; }
  uint64_t bytes_done() const { return bytes_; }
  uint64_t responses() const { return responses_; }

 private:
  void run();
  uint64_t address(uint64_t i, bool read);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d);
  void response(tlm::tlm_generic_payload& t);

  TrafficParams p_;
  uint64_t capacity_;
  Rng rng_;
  std::vector<tlm::tlm_generic_payload> pool_;
  std::vector<tlm::tlm_generic_payload*> free_;
  sc_core::sc_event end_req_, freed_;
  bool req_pending_ = false;
  tlm::tlm_generic_payload* pending_ = nullptr;
  uint64_t stream_pos_ = 0;
  Time first_{}, last_{};
  uint64_t bytes_ = 0, responses_ = 0;
};

}  // namespace litesim
