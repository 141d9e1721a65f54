#include "hw/die/compute_die.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_time.h"

namespace litesim {

ComputeDie::ComputeDie(sc_core::sc_module_name name, const DieParams& params, int dies, uint64_t hbm_capacity,
                       double hbm_bytes_per_s, SimContext& ctx)
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
    throw ConfigError(SourceLoc{}, "package.die.mem_chunk",
                      fmt::format("{} B is larger than the HBM ({} B)", p_.mem_chunk.bytes, capacity_));
  if (p_.mem_chunk.bytes > UINT32_MAX) throw std::invalid_argument("mem_chunk does not fit a TLM payload");
  hbm.register_nb_transport_bw(this, &ComputeDie::nb_transport_bw);
  sms_ = p_.sms * dies;
  hbm_bytes_per_s_ = hbm_bytes_per_s;
  for (int i = 0; i < sms_; ++i) {
    sc_core::sc_spawn_options o;
    sc_core::sc_spawn([this, i] { sm_loop(i); }, fmt::format("sm{}", i).c_str(), &o);
  }
  sc_core::sc_spawn([this] { writer_loop(); }, "writeback");
}

uint64_t ComputeDie::next_address(uint64_t len) {
  // Sequential addresses wrapping inside the HBM; the bandwidth model does not depend on them yet.
  if (cursor_ + len > capacity_) cursor_ = 0;
  const uint64_t a = cursor_;
  cursor_ += len;
  return a;
}

void ComputeDie::stream(tlm::tlm_command cmd, uint64_t bytes, const MessageInfo* msg, uint64_t chunk) {
  if (chunk == 0) chunk = p_.mem_chunk.bytes;
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
    const uint64_t len = std::min<uint64_t>(left, chunk);
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
    st->error = fmt::format("HBM rejected a {} of {} B at 0x{:x}: {}", t.is_read() ? "read" : "write",
                            t.get_data_length(), t.get_address(), t.get_response_string());
  --st->in_flight;
  st->free.push_back(&t);
  st->response.notify(sc_core::SC_ZERO_TIME);
}

KernelPlan ComputeDie::plan(const KernelDesc& k) const {
  return plan_kernel(k, p_, PlanTarget{sms_, hbm_bytes_per_s_});
}

int64_t ComputeDie::take_tile() {
  if (!plan_ || next_tile_ >= plan_->tiles) return -1;
  return next_tile_++;
}

// The part of `total` that the tiles before `tile` carry when `total` is spread over the tiles in
// proportion to `weight` (`cum`: weight before each group); evenly when there is no weight. Shares
// are differences of this one function, so they add up to `total` exactly.
uint64_t ComputeDie::carried_before(int64_t tile, uint64_t total, const std::vector<uint64_t>& cum,
                                    uint64_t TileGroup::*weight) const {
  if (tile >= plan_->tiles) return total;
  const bool by_tiles = cum.back() == 0;
  long double before = static_cast<long double>(tile);
  if (!by_tiles) {
    const size_t g = group_of(tile);
    const int64_t first = g == 0 ? 0 : group_end_[g - 1];
    before = static_cast<long double>(cum[g]) +
             static_cast<long double>(tile - first) * static_cast<long double>(plan_->groups[g].*weight);
  }
  const long double all = by_tiles ? static_cast<long double>(plan_->tiles) : static_cast<long double>(cum.back());
  return static_cast<uint64_t>(static_cast<long double>(total) * before / all);
}

size_t ComputeDie::group_of(int64_t tile) const {
  return static_cast<size_t>(std::upper_bound(group_end_.begin(), group_end_.end(), tile) - group_end_.begin());
}

ComputeDie::TileWork ComputeDie::tile_work(int64_t j) const {
  TileWork w;
  w.group = group_of(j);
  w.hbm_read = carried_before(j + 1, plan_->hbm_read, cum_l2_, &TileGroup::l2_bytes) -
               carried_before(j, plan_->hbm_read, cum_l2_, &TileGroup::l2_bytes);
  w.hbm_write = carried_before(j + 1, plan_->hbm_write, cum_out_, &TileGroup::out_bytes) -
                carried_before(j, plan_->hbm_write, cum_out_, &TileGroup::out_bytes);
  // pieces of at least stream_tile bytes each, at most pipeline_pieces
  const uint64_t l2 = plan_->groups[w.group].l2_bytes;
  w.pieces = static_cast<int>(std::clamp<uint64_t>(l2 / std::max<uint64_t>(1, p_.tiles.stream_tile.bytes), 1,
                                                   static_cast<uint64_t>(p_.tiles.pipeline_pieces)));
  return w;
}

// Loads one piece of a tile: its part of the tile's L2 reads (a shared pipe) and of the tile's HBM
// share (real TLM reads); returns the piece's compute time.
Time ComputeDie::load_piece(const TileWork& w, int piece) {
  auto part = [&](uint64_t total) {
    return total * static_cast<uint64_t>(piece + 1) / static_cast<uint64_t>(w.pieces) -
           total * static_cast<uint64_t>(piece) / static_cast<uint64_t>(w.pieces);
  };
  const Time start = std::max(sim_now(), l2_free_);
  l2_free_ = start + transfer_time(part(plan_->groups[w.group].l2_bytes), p_.l2_bandwidth);
  const Time l2_done = l2_free_;
  const uint64_t from_hbm = part(w.hbm_read);
  if (from_hbm > 0) stream(tlm::TLM_READ_COMMAND, from_hbm, nullptr);
  if (sim_now() < l2_done) sc_core::wait(to_sc(l2_done - sim_now()));
  return Time{static_cast<int64_t>(part(static_cast<uint64_t>(group_time_[w.group].ps)))};
}

void ComputeDie::sm_loop(int) {
  while (true) {
    sc_core::wait(kernel_start_);
    Time compute_free = sim_now();
    uint64_t to_store = 0;  // output bytes of the tile whose last piece is computing
    auto store = [&] {
      if (to_store == 0) return;
      write_queue_.push_back(to_store);
      write_ev_.notify(sc_core::SC_ZERO_TIME);
      to_store = 0;
    };
    // The SM's pipeline: the next piece (of this tile or of the next one it takes) loads while the
    // current piece computes.
    for (int64_t j = take_tile(); j >= 0; j = take_tile()) {
      const TileWork w = tile_work(j);
      for (int piece = 0; piece < w.pieces; ++piece) {
        const Time t = load_piece(w, piece);
        if (sim_now() < compute_free) sc_core::wait(to_sc(compute_free - sim_now()));
        store();
        compute_free = sim_now() + t;
        if (piece == w.pieces - 1) to_store = w.hbm_write;
      }
    }
    if (sim_now() < compute_free) sc_core::wait(to_sc(compute_free - sim_now()));
    store();
    if (++sms_done_ == sms_) sms_done_ev_.notify(sc_core::SC_ZERO_TIME);
  }
}

void ComputeDie::writer_loop() {
  while (true) {
    while (write_queue_.empty()) sc_core::wait(write_ev_);
    writer_busy_ = true;
    uint64_t bytes = 0;  // everything queued so far, as one stream of mem_chunk requests
    while (!write_queue_.empty()) {
      bytes += write_queue_.front();
      write_queue_.pop_front();
    }
    stream(tlm::TLM_WRITE_COMMAND, bytes, nullptr, write_chunk_);
    writer_busy_ = false;
    if (write_queue_.empty()) writes_done_ev_.notify(sc_core::SC_ZERO_TIME);
  }
}

namespace {
// A kernel's shape: everything but its name.
std::string kernel_key(const KernelDesc& k) {
  return fmt::format("{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}", static_cast<int>(k.kind),
                     static_cast<int>(k.dtype), k.m, k.n, k.k, k.batch, k.heads, k.kv_heads, k.q_len, k.kv_len,
                     k.head_dim, k.causal, k.elements, k.inputs, k.outputs, k.flops_per_element, k.rows, k.cols,
                     k.bytes, k.flops, k.bytes_read, k.bytes_written);
}

}  // namespace

void ComputeDie::book_kernel(Time t0, double useful_flops, uint64_t hbm_bytes, double energy_pJ) {
  busy_.add(t0, sim_now());
  flops_.add(useful_flops);
  kernels_.add();
  const double bytes = static_cast<double>(hbm_bytes);
  kernel_bytes_.add(bytes);
  ledger_.add_dynamic(account_, energy_pJ);
  ledger_.add_bits(account_, bytes * 8.0);
}

KernelResult ComputeDie::replay_kernel(const KernelDesc& k, const KernelResult& first) {
  const Time t0 = sim_now();
  KernelResult r = first;
  r.name = k.name;
  // The HBM traffic as kMemoPieces reads and kMemoPieces writes, the writes issued by the write-back
  // stream alongside the reads (as a kernel's tiles write while the next ones load).
  const uint64_t largest = std::min<uint64_t>({capacity_, UINT32_MAX, uint64_t{1} << 30});
  const auto chunk = [&](uint64_t bytes) {
    return std::clamp<uint64_t>((bytes + kMemoPieces - 1) / kMemoPieces, 1, largest);
  };
  if (first.hbm_write > 0) {
    write_chunk_ = chunk(first.hbm_write);
    write_queue_.push_back(first.hbm_write);
    write_ev_.notify(sc_core::SC_ZERO_TIME);
  }
  if (first.hbm_read > 0) stream(tlm::TLM_READ_COMMAND, first.hbm_read, nullptr, chunk(first.hbm_read));
  while (writer_busy_ || !write_queue_.empty()) sc_core::wait(writes_done_ev_);
  write_chunk_ = 0;
  const Time end = t0 + first.time;
  if (sim_now() < end) sc_core::wait(to_sc(end - sim_now()));
  r.time = sim_now() - t0;
  book_kernel(t0, r.useful_flops, r.hbm_read + r.hbm_write, r.energy_pJ);
  return r;
}

KernelResult ComputeDie::run_kernel(const KernelDesc& k) {
  std::string key;
  if (p_.kernel_memo) {
    key = kernel_key(k);
    const auto it = memo_.find(key);
    if (it != memo_.end()) return replay_kernel(k, it->second);
  }
  const Time t0 = sim_now();
  KernelPlan pl = plan(k);
  KernelResult r;
  r.name = k.name;
  r.tiles = pl.tiles;
  r.waves = pl.waves(sms_);
  r.tile_shape = pl.tile_shape;
  r.useful_flops = pl.useful_flops;
  r.executed_flops = pl.executed_tensor_flops() + pl.executed_vector_flops();
  r.hbm_read = pl.hbm_read;
  r.hbm_write = pl.hbm_write;
  r.l2_read = pl.l2_read;
  if (p_.launch_overhead.ps > 0) sc_core::wait(to_sc(p_.launch_overhead));
  group_time_.clear();
  group_end_.clear();
  cum_l2_.assign(1, 0);
  cum_out_.assign(1, 0);
  int64_t end = 0;
  for (const TileGroup& g : pl.groups) {
    group_time_.push_back(tile_compute_time(g, k.dtype, p_));
    end += g.count;
    group_end_.push_back(end);
    cum_l2_.push_back(cum_l2_.back() + static_cast<uint64_t>(g.count) * g.l2_bytes);
    cum_out_.push_back(cum_out_.back() + static_cast<uint64_t>(g.count) * g.out_bytes);
  }
  plan_ = &pl;
  next_tile_ = 0;
  sms_done_ = 0;
  if (pl.tiles > 0) {
    kernel_start_.notify(sc_core::SC_ZERO_TIME);
    sc_core::wait(sms_done_ev_);
    while (writer_busy_ || !write_queue_.empty()) sc_core::wait(writes_done_ev_);
  }
  plan_ = nullptr;
  r.time = sim_now() - t0;
  r.energy_pJ = pl.executed_tensor_flops() * p_.energy_per_flop.of(k.dtype).pj_per_flop +
                (pl.executed_vector_flops() + pl.executed_special_ops()) * p_.vector_energy_per_flop.pj_per_flop;
  book_kernel(t0, pl.useful_flops, pl.hbm_read + pl.hbm_write, r.energy_pJ);
  if (p_.kernel_memo) memo_.emplace(std::move(key), r);
  return r;
}

void ComputeDie::dma(tlm::tlm_command cmd, uint64_t bytes, const MessageInfo& msg) {
  stream(cmd, bytes, &msg);
  dma_bytes_.add(static_cast<double>(bytes));
}

}  // namespace litesim
