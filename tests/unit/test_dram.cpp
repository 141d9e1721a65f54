// The HBM pseudo-channel controller against closed forms of the memspec's timing parameters.
#include <gtest/gtest.h>

#include "memory/hbm/dram/address_mapping.h"
#include "memory/hbm/dram/pseudo_channel.h"

using namespace litesim;
using Burst = PseudoChannel::Burst;

namespace {

MemSpec spec(const std::string& name) { return load_memspec(LITESIM_CONFIGS_DIR, name); }
ControllerParams ctrl() { return load_controller(LITESIM_CONFIGS_DIR, "default"); }

Burst rd(uint32_t bg, uint32_t bank, uint32_t row, uint32_t col, uint64_t owner = 0, int64_t at = 0) {
  return Burst{owner, bg, bank, row, col, false, at};
}

// Drives the channel exactly (one decision point per command) until its queues are empty.
int64_t drain(PseudoChannel& pc, std::vector<PseudoChannel::Completion>& done, int64_t now = 0) {
  while (pc.queued() > 0) {
    const int64_t next = pc.advance(now, done);
    if (next == PseudoChannel::kNever) break;
    now = next;
  }
  int64_t last = 0;
  for (const auto& c : done) last = std::max(last, c.cycle);
  return last;
}

std::vector<PseudoChannel::Command> only(const std::vector<PseudoChannel::Command>& log, const std::string& name) {
  std::vector<PseudoChannel::Command> out;
  for (const auto& c : log)
    if (name == c.name) out.push_back(c);
  return out;
}

}  // namespace

TEST(Memspec, PeakBandwidthIsPinsTimesDataRate) {
  // HBM3: 16 channels x 2 pseudo-channels x 32 bits x 6.4 Gb/s = 819.2 GB/s (JESD238: 819 GB/s)
  EXPECT_DOUBLE_EQ(spec("hbm3").peak_per_stack().bytes_per_s(), 819.2e9);
  // HBM2: 8 x 2 x 64 bits x 2 Gb/s = 256 GB/s; one 128-bit channel = 32 GB/s (REF)
  EXPECT_DOUBLE_EQ(spec("hbm2").peak_per_stack().bytes_per_s(), 256e9);
  EXPECT_EQ(spec("hbm3").burst_bytes(), 32u);
  EXPECT_EQ(spec("hbm2").burst_bytes(), 32u);
  EXPECT_EQ(spec("hbm3").stack_bytes(), 16ULL << 30);  // 16 GiB: an 8-high stack of 16 Gb dies
  EXPECT_NO_THROW(spec("hbm2e"));
  EXPECT_NO_THROW(spec("hbm3e"));
}

TEST(AddressMapping, RoundTripAndInterleaving) {
  const MemSpec m = spec("hbm3");
  AddressMapping map("Ro-Ba-Bg-Co-Pc-Ch", m, 1);
  EXPECT_EQ(map.capacity(), m.stack_bytes());
  // consecutive 32 B bursts walk the channels first, then the pseudo-channels, then the columns
  EXPECT_EQ(map.decode(0).channel, 0u);
  EXPECT_EQ(map.decode(32).channel, 1u);
  EXPECT_EQ(map.decode(32 * 16).pseudo_channel, 1u);
  EXPECT_EQ(map.decode(32 * 32).column, 1u);
  const DramAddress a{0, 5, 1, 2, 3, 12345, 17};
  EXPECT_EQ(map.decode(map.encode(a)).row, 12345u);
  EXPECT_EQ(map.decode(map.encode(a)).bank_group, 2u);
  EXPECT_THROW(AddressMapping("Ro-Ba-Bg-Co-Pc", m, 1), std::invalid_argument);      // no Ch
  EXPECT_THROW(AddressMapping("Ro-Ba-Bg-Co-Pc-Ch-Xx", m, 1), std::invalid_argument);  // unknown
  EXPECT_THROW(AddressMapping("Ro-Ba-Bg-Co-Pc-Ch-Ch", m, 1), std::invalid_argument);  // twice
}

TEST(PseudoChannel, IdleReadTakesActivateReadLatencyAndBurst) {
  const MemSpec m = spec("hbm3");
  PseudoChannel pc(m, ctrl());
  std::vector<PseudoChannel::Command> log;
  pc.set_command_log(&log);
  pc.push(rd(1, 2, 77, 3));
  std::vector<PseudoChannel::Completion> done;
  const int64_t end = drain(pc, done);
  EXPECT_EQ(end, m.timing.RCDRD + m.timing.CL + m.timing.BL);  // ACT at 0, RD at tRCDRD
  ASSERT_EQ(log.size(), 2u);
  EXPECT_STREQ(log[0].name, "ACT");
  EXPECT_EQ(log[1].cycle, m.timing.RCDRD);
}

TEST(PseudoChannel, IdleWriteTakesActivateWriteLatencyAndBurst) {
  const MemSpec m = spec("hbm3");
  PseudoChannel pc(m, ctrl());
  Burst w = rd(0, 0, 1, 0);
  w.write = true;
  pc.push(w);
  std::vector<PseudoChannel::Completion> done;
  EXPECT_EQ(drain(pc, done), m.timing.RCDWR + m.timing.CWL + m.timing.BL);
}

TEST(PseudoChannel, RowHitsInOneBankGroupAreSpacedByCCDL) {
  const MemSpec m = spec("hbm3");
  PseudoChannel pc(m, ctrl());
  const int n = 32;
  for (int i = 0; i < n; ++i) pc.push(rd(0, 0, 9, static_cast<uint32_t>(i)));
  std::vector<PseudoChannel::Completion> done;
  const int64_t end = drain(pc, done);
  EXPECT_EQ(end, m.timing.RCDRD + (n - 1) * m.timing.CCDL + m.timing.CL + m.timing.BL);
  EXPECT_EQ(pc.stats().acts, 1u);
}

TEST(PseudoChannel, HitsAcrossBankGroupsFillTheDataBus) {
  const MemSpec m = spec("hbm3");
  PseudoChannel pc(m, ctrl());
  std::vector<PseudoChannel::Completion> done;
  for (uint32_t g = 0; g < 4; ++g) pc.push(rd(g, 0, 5, 0));  // open one row per bank group
  const int64_t t0 = drain(pc, done) + 100;
  std::vector<PseudoChannel::Command> log;
  pc.set_command_log(&log);
  for (uint32_t i = 0; i < 32; ++i) pc.push(rd(i % 4, 0, 5, 1 + i / 4, 0, t0));
  drain(pc, done, t0);
  const auto reads = only(log, "RD");
  ASSERT_EQ(reads.size(), 32u);
  for (size_t i = 1; i < reads.size(); ++i) EXPECT_EQ(reads[i].cycle - reads[i - 1].cycle, m.timing.CCDS) << i;
  EXPECT_EQ(m.timing.CCDS, m.timing.BL);  // so the data bus is never idle
}

TEST(PseudoChannel, FourActivateWindowLimitsTheFifthActivate) {
  const MemSpec m = spec("hbm3");
  ASSERT_GT(m.timing.FAW, 4 * m.timing.RRDS);  // else tFAW would not bind
  PseudoChannel pc(m, ctrl());
  std::vector<PseudoChannel::Command> log;
  pc.set_command_log(&log);
  // eight banks, spread over the four bank groups so that tRRD_L does not bind
  for (uint32_t i = 0; i < 8; ++i) pc.push(rd(i % 4, i / 4, 100 + i, 0));
  std::vector<PseudoChannel::Completion> done;
  drain(pc, done);
  const auto acts = only(log, "ACT");
  ASSERT_EQ(acts.size(), 8u);
  for (int i = 1; i < 4; ++i) EXPECT_EQ(acts[static_cast<size_t>(i)].cycle, i * m.timing.RRDS);
  EXPECT_EQ(acts[4].cycle, acts[0].cycle + m.timing.FAW);  // not 4 x tRRD_S
  for (size_t i = 4; i < 8; ++i) EXPECT_GE(acts[i].cycle, acts[i - 4].cycle + m.timing.FAW);
}

TEST(PseudoChannel, ActivatesInOneBankGroupAreSpacedByRRDL) {
  const MemSpec m = spec("hbm3");
  PseudoChannel pc(m, ctrl());
  std::vector<PseudoChannel::Command> log;
  pc.set_command_log(&log);
  pc.push(rd(2, 0, 1, 0));
  pc.push(rd(2, 1, 1, 0));
  std::vector<PseudoChannel::Completion> done;
  drain(pc, done);
  const auto acts = only(log, "ACT");
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[1].cycle - acts[0].cycle, m.timing.RRDL);
}

TEST(PseudoChannel, ReadAfterWriteWaitsForWriteToReadTurnaround) {
  const MemSpec m = spec("hbm3");
  PseudoChannel pc(m, ctrl());
  std::vector<PseudoChannel::Command> log;
  pc.set_command_log(&log);
  Burst w = rd(0, 0, 3, 0);
  w.write = true;
  pc.push(w);
  std::vector<PseudoChannel::Completion> done;
  drain(pc, done);
  const int64_t t = done.back().cycle;  // end of write data
  pc.push(rd(0, 0, 3, 1, 0, t));
  drain(pc, done, t);
  const auto reads = only(log, "RD");
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].cycle, t + m.timing.WTRL);
}

TEST(PseudoChannel, ConflictPrechargesAfterRasAndReactivatesAfterRp) {
  const MemSpec m = spec("hbm3");
  PseudoChannel pc(m, ctrl());
  std::vector<PseudoChannel::Command> log;
  pc.set_command_log(&log);
  pc.push(rd(0, 0, 1, 0));
  pc.push(rd(0, 0, 2, 0));  // same bank, other row
  std::vector<PseudoChannel::Completion> done;
  drain(pc, done);
  const auto pre = only(log, "PRE");
  const auto acts = only(log, "ACT");
  ASSERT_EQ(pre.size(), 1u);
  ASSERT_EQ(acts.size(), 2u);
  // PRE waits for tRAS after the ACT and tRTP after the RD; the second ACT for tRP and tRC
  EXPECT_EQ(pre[0].cycle, std::max<int64_t>(m.timing.RAS, m.timing.RCDRD + m.timing.RTP));
  EXPECT_EQ(acts[1].cycle, std::max<int64_t>(pre[0].cycle + m.timing.RP, m.timing.RC));
}

TEST(PseudoChannel, ClosedPagePolicyPrechargesAnIdleRow) {
  const MemSpec m = spec("hbm3");
  ControllerParams c = ctrl();
  c.page_policy = "closed";
  PseudoChannel pc(m, c);
  std::vector<PseudoChannel::Command> log;
  pc.set_command_log(&log);
  pc.push(rd(0, 0, 1, 0));
  std::vector<PseudoChannel::Completion> done;
  int64_t now = 0;
  for (int i = 0; i < 10; ++i) {
    const int64_t next = pc.advance(now + 1000, done);  // run well past the access
    if (next == PseudoChannel::kNever) break;
    now = next;
  }
  const auto pre = only(log, "PRE");
  ASSERT_EQ(pre.size(), 1u);
  EXPECT_EQ(pre[0].cycle, std::max<int64_t>(m.timing.RAS, m.timing.RCDRD + m.timing.RTP));
}

namespace {
// Keeps the read queue full of row hits spread over the four bank groups for `cycles`; returns
// the reads completed.
uint64_t stream_for(const MemSpec& m, const ControllerParams& c, int64_t cycles, PseudoChannel::Stats* st = nullptr) {
  PseudoChannel pc(m, c);
  std::vector<PseudoChannel::Completion> done;
  uint64_t i = 0;
  int64_t now = 0;
  const uint32_t per_row = static_cast<uint32_t>(m.bursts_per_row());
  while (now < cycles) {
    while (pc.has_room(false)) {
      const uint32_t g = static_cast<uint32_t>(i % 4), k = static_cast<uint32_t>(i / 4);
      pc.push(rd(g, 0, k / per_row, k % per_row, 0, now));
      ++i;
    }
    const int64_t next = pc.advance(now, done);
    now = next == PseudoChannel::kNever ? now + 1 : next;
  }
  if (st) *st = pc.stats();
  uint64_t n = 0;
  for (const auto& d : done) n += d.cycle <= cycles;
  return n;
}
}  // namespace

TEST(PseudoChannel, RefreshCostsAboutRfcOverRefi) {
  const MemSpec m = spec("hbm3");
  MemSpec no_ref = m;
  no_ref.timing.REFI = 1 << 30;  // effectively never
  const int64_t cycles = 100 * int64_t{m.timing.REFI};
  PseudoChannel::Stats st;
  const double with = static_cast<double>(stream_for(m, ctrl(), cycles, &st));
  const double without = static_cast<double>(stream_for(no_ref, ctrl(), cycles));
  const double loss = 1.0 - with / without;
  const double rfc = static_cast<double>(m.timing.RFC) / m.timing.REFI;
  // each refresh stalls the bus for tRFC, plus closing and reopening the rows around it
  const double upper = static_cast<double>(m.timing.RFC + m.timing.RAS + m.timing.RP + m.timing.RCDRD + m.timing.CL) /
                       m.timing.REFI;
  EXPECT_GE(loss, rfc);
  EXPECT_LE(loss, upper);
  EXPECT_NEAR(static_cast<double>(st.refab), 100.0, 1.0);
  // no pattern beats one burst per tCCD_S (the full data bus)
  EXPECT_LE(without, static_cast<double>(cycles) / m.timing.CCDS);
}

TEST(PseudoChannel, PerBankRefreshRefreshesEveryBankInTurn) {
  const MemSpec m = spec("hbm3");
  ControllerParams c = ctrl();
  c.refresh = "per-bank";
  PseudoChannel::Stats st;
  const int64_t cycles = 50 * int64_t{m.timing.REFI};
  stream_for(m, c, cycles, &st);
  EXPECT_NEAR(static_cast<double>(st.refpb), static_cast<double>(cycles) / m.timing.REFIpb, 2.0);
  EXPECT_EQ(st.refab, 0u);
}

TEST(PseudoChannel, OldWritesAreDrainedEvenUnderSteadyReads) {
  const MemSpec m = spec("hbm3");
  const ControllerParams c = ctrl();
  PseudoChannel pc(m, c);
  std::vector<PseudoChannel::Command> log;
  pc.set_command_log(&log);
  std::vector<PseudoChannel::Completion> done;
  Burst w = rd(1, 0, 5, 0, 1, 0);
  w.write = true;
  pc.push(w);  // one write, far below the high watermark
  int64_t now = 0;
  uint32_t col = 0;
  while (now < 20 * int64_t{c.write_max_age}) {
    while (pc.has_room(false)) pc.push(rd(0, 0, 7, col++ % 32, 0, now));  // reads never run out
    const int64_t next = pc.advance(now, done);
    now = next == PseudoChannel::kNever ? now + 1 : std::max(next, now + 1);
  }
  const auto writes = only(log, "WR");
  ASSERT_EQ(writes.size(), 1u);
  // drained once it has waited write_max_age (plus opening its row)
  EXPECT_GE(writes[0].cycle, c.write_max_age);
  EXPECT_LE(writes[0].cycle, c.write_max_age + m.timing.RC + m.timing.RCDWR + m.timing.RTW + 64);
}

TEST(Memspec, RejectsRefreshIntervalsThatLeaveNoRoomForAnAccess) {
  MemSpec m = spec("hbm3");
  m.timing.REFI = m.timing.RFC + 20;  // a read (ACT, tRCD, CL, BL) would never fit between refreshes
  EXPECT_THROW(check_memspec(m, {}, "memspec"), ConfigError);
  m = spec("hbm3");
  m.timing.REFIpb = 1;
  EXPECT_THROW(check_memspec(m, {}, "memspec"), ConfigError);
  EXPECT_NO_THROW(check_memspec(spec("hbm3"), {}, "memspec"));
}

TEST(AddressMapping, FiveStacksInterleaveByModulo) {
  const MemSpec m = spec("hbm3");
  AddressMapping map("Ro-Ba-Co-Bg-Pc-Ch-St", m, 5);
  EXPECT_EQ(map.capacity(), 5 * m.stack_bytes());  // every byte of the five stacks, none twice
  for (uint64_t b = 0; b < 20; ++b) EXPECT_EQ(map.decode(b * 32).stack, b % 5);
  EXPECT_EQ(map.decode(5 * 32).channel, 1u);  // the sixth burst: stack 0 again, next channel
  const DramAddress a{3, 7, 1, 2, 3, 4321, 9};
  const DramAddress d = map.decode(map.encode(a));
  EXPECT_EQ(d.stack, 3u);
  EXPECT_EQ(d.row, 4321u);
  EXPECT_EQ(d.column, 9u);
  EXPECT_EQ(map.decode(map.capacity() - 32).stack, 4u);
  EXPECT_THROW(AddressMapping("St-Ro-Ba-Co-Bg-Pc-Ch", m, 5), std::invalid_argument);  // St must be lowest
}
