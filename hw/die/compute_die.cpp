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
}

uint64_t ComputeDie::next_address(uint64_t len) {
  // Sequential addresses wrapping inside the HBM; the bandwidth model does not depend on them yet.
  if (cursor_ + len > capacity_) cursor_ = 0;
  const uint64_t a = cursor_;
  cursor_ += len;
  return a;
}

void ComputeDie::stream(tlm::tlm_command cmd, uint64_t bytes, const MessageInfo* msg) {
  std::deque<Time> in_flight;  // completion times, in issue order
  tlm::tlm_generic_payload trans;
  MessageExtension ext;
  std::optional<ScopedExtension> attached;
  if (msg) {
    ext.info = *msg;
    attached.emplace(trans, ext);
  }
  uint64_t left = bytes;
  Time last_done = sim_now();
  while (left > 0) {
    if (static_cast<int>(in_flight.size()) >= p_.max_outstanding) {
      const Time t = in_flight.front();
      in_flight.pop_front();
      if (sim_now() < t) sc_core::wait(to_sc(t - sim_now()));
    }
    const uint64_t len = std::min<uint64_t>(left, p_.mem_chunk.bytes);
    trans.set_command(cmd);
    trans.set_address(next_address(len));
    trans.set_data_ptr(nullptr);
    trans.set_data_length(static_cast<unsigned>(len));
    trans.set_streaming_width(static_cast<unsigned>(len));
    trans.set_byte_enable_ptr(nullptr);
    trans.set_dmi_allowed(false);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    hbm->b_transport(trans, delay);
    if (trans.is_response_error())
      throw SimError(fmt::format("{}: HBM rejected a {} of {} B: {}", name(),
                                 cmd == tlm::TLM_READ_COMMAND ? "read" : "write", len, trans.get_response_string()));
    const Time done = sim_now() + from_sc(delay);
    in_flight.push_back(done);
    last_done = std::max(last_done, done);
    left -= len;
  }
  if (sim_now() < last_done) sc_core::wait(to_sc(last_done - sim_now()));
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
