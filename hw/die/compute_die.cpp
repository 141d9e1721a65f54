#include "hw/die/compute_die.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_time.h"

namespace litesim {

ComputeDie::ComputeDie(sc_core::sc_module_name name, const DieParams& params, uint64_t hbm_capacity, SimContext& ctx)
    : sc_module(name),
      hbm("hbm"),
      p_(params),
      capacity_(hbm_capacity),
      ledger_(ctx.ledger),
      account_(ctx.ledger.open(this->name(), "die", params.static_power)),
      stats_(ctx.stats.group(this->name())),
      flops_(stats_.counter("flops", "FLOP", "floating-point operations of kernels")),
      kernels_(stats_.counter("kernels", "1", "kernels run")),
      kernel_bytes_(stats_.counter("kernel_bytes", "B", "HBM bytes read and written by kernels")),
      dma_bytes_(stats_.counter("dma_bytes", "B", "bytes moved by the copy engine")),
      busy_(stats_.busy("compute_busy", "time a kernel was running")) {
  if (p_.mem_chunk.bytes > capacity_)
    throw ConfigError(SourceLoc{}, "package.die.mem_chunk", fmt::format("{} B is larger than the HBM ({} B)", p_.mem_chunk.bytes, capacity_));
  if (p_.mem_chunk.bytes > UINT32_MAX) throw std::invalid_argument("mem_chunk does not fit a TLM payload");
  hbm.register_nb_transport_bw(this, &ComputeDie::nb_transport_bw);
}

uint64_t ComputeDie::next_address(uint64_t len) {
  // Sequential addresses wrapping inside the HBM; the bandwidth model does not depend on them yet.
  if (cursor_ + len > capacity_) cursor_ = 0;
  const uint64_t a = cursor_;
  cursor_ += len;
  return a;
}

void ComputeDie::stream(tlm::tlm_command cmd, uint64_t bytes, const MessageInfo* msg) {
  const size_t window = static_cast<size_t>(p_.max_outstanding);
  std::vector<tlm::tlm_generic_payload> pool(window);
  std::vector<MessageExtension> ext(window);
  std::vector<std::optional<ScopedExtension>> attached(window);
  StreamState st;
  for (size_t i = 0; i < window; ++i) {
    st.free.push_back(&pool[i]);
    if (msg) {
      ext[i].info = *msg;
      attached[i].emplace(pool[i], ext[i]);
    }
  }
  struct Unregister {  // the map must not keep this stream's payloads after it returns
    ComputeDie& d;
    std::vector<tlm::tlm_generic_payload>& pool;
    ~Unregister() {
      for (auto& t : pool) d.owner_.erase(&t);
    }
  } unregister{*this, pool};
  uint64_t left = bytes;
  while (left > 0) {
    while (st.free.empty()) sc_core::wait(st.response);
    if (!st.error.empty()) break;
    tlm::tlm_generic_payload* t = st.free.back();
    st.free.pop_back();
    const uint64_t len = std::min<uint64_t>(left, p_.mem_chunk.bytes);
    t->set_command(cmd);
    t->set_address(next_address(len));
    t->set_data_ptr(nullptr);
    t->set_data_length(static_cast<unsigned>(len));
    t->set_streaming_width(static_cast<unsigned>(len));
    t->set_byte_enable_ptr(nullptr);
    t->set_dmi_allowed(false);
    t->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    owner_[t] = &st;
    ++st.in_flight;
    // Request exclusion: one BEGIN_REQ on the socket until its END_REQ.
    while (req_busy_) sc_core::wait(req_free_);
    req_busy_ = true;
    req_trans_ = t;
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum s = hbm->nb_transport_fw(*t, ph, d);
    if (s == tlm::TLM_COMPLETED) {  // answered at once (an error response)
      req_busy_ = false;
      req_free_.notify(sc_core::SC_ZERO_TIME);
      responded(*t);
    } else if (s == tlm::TLM_UPDATED && ph == tlm::END_REQ) {
      req_busy_ = false;
      req_free_.notify(sc_core::SC_ZERO_TIME);
    }
    while (req_busy_ && req_trans_ == t) sc_core::wait(req_free_);
    left -= len;
  }
  while (st.in_flight > 0) sc_core::wait(st.response);
  if (!st.error.empty()) throw SimError(fmt::format("{}: {}", name(), st.error));
}

tlm::tlm_sync_enum ComputeDie::nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time&) {
  if (ph == tlm::END_REQ || (ph == tlm::BEGIN_RESP && req_busy_ && req_trans_ == &t)) {
    req_busy_ = false;  // BEGIN_RESP implies END_REQ
    req_free_.notify(sc_core::SC_ZERO_TIME);
  }
  if (ph == tlm::BEGIN_RESP) {
    responded(t);
    return tlm::TLM_COMPLETED;
  }
  return tlm::TLM_ACCEPTED;
}

void ComputeDie::responded(tlm::tlm_generic_payload& t) {
  StreamState* st = owner_.at(&t);
  if (t.is_response_error() && st->error.empty())
    st->error = fmt::format("HBM rejected a {} of {} B at 0x{:x}: {}", t.is_read() ? "read" : "write", t.get_data_length(),
                            t.get_address(), t.get_response_string());
  --st->in_flight;
  st->free.push_back(&t);
  st->response.notify(sc_core::SC_ZERO_TIME);
}

void ComputeDie::run_kernel(const KernelSpec& k) {
  const Time t0 = sim_now();
  if (p_.launch_overhead.ps > 0) sc_core::wait(to_sc(p_.launch_overhead));
  const Time compute_start = sim_now();
  Time compute{0};
  if (k.flops > 0) {
    const double peak = p_.peak_flops(k.dtype);
    if (peak <= 0)
      throw SimError(fmt::format("{}: kernel '{}' needs {} but this die has no {} throughput", name(), k.name,
                                 dtype_name(k.dtype), dtype_name(k.dtype)));
    compute = duration_of(k.flops, peak);
  }
  // Memory stream (reads, then writes) overlaps the compute: the kernel ends at the later of the two.
  if (k.bytes_read > 0) stream(tlm::TLM_READ_COMMAND, k.bytes_read, nullptr);
  if (k.bytes_written > 0) stream(tlm::TLM_WRITE_COMMAND, k.bytes_written, nullptr);
  const Time compute_end = compute_start + compute;
  if (sim_now() < compute_end) sc_core::wait(to_sc(compute_end - sim_now()));
  busy_.add(t0, sim_now());
  flops_.add(k.flops);
  kernels_.add();
  const double bytes = static_cast<double>(k.bytes_read + k.bytes_written);
  kernel_bytes_.add(bytes);
  ledger_.add_dynamic(account_, k.flops * p_.energy_per_flop.of(k.dtype).pj_per_flop);
  ledger_.add_bits(account_, bytes * 8.0);
}

void ComputeDie::dma(tlm::tlm_command cmd, uint64_t bytes, const MessageInfo& msg) {
  stream(cmd, bytes, &msg);
  dma_bytes_.add(static_cast<double>(bytes));
}

}  // namespace litesim
