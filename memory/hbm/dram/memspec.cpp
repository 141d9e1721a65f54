#include "memory/hbm/dram/memspec.h"

#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "core/registry.h"

namespace litesim {

const ParamSet<MemOrganisation>& MemOrganisation::schema() {
  static const ParamSet<MemOrganisation> s("organisation", "HBM stack organisation", [](ParamSet<MemOrganisation>& p) {
    p.integer("channels", &MemOrganisation::channels, "channels per stack").at_least(1);
    p.integer("pseudo_channels", &MemOrganisation::pseudo_channels, "pseudo-channels per channel").at_least(1);
    p.integer("bank_groups", &MemOrganisation::bank_groups, "bank groups per pseudo-channel").at_least(1);
    p.integer("banks_per_group", &MemOrganisation::banks_per_group, "banks per bank group").at_least(1);
    p.integer("rows", &MemOrganisation::rows, "rows per bank").at_least(1);
    p.integer("columns", &MemOrganisation::columns, "column addresses per row").at_least(1);
    p.integer("width", &MemOrganisation::width, "DQ bits of one pseudo-channel").at_least(8);
    p.integer("burst_length", &MemOrganisation::burst_length, "beats per column access (BL)").at_least(1);
  });
  return s;
}

const ParamSet<MemTiming>& MemTiming::schema() {
  static const ParamSet<MemTiming> s("timing", "HBM timing in clock cycles (nCK)", [](ParamSet<MemTiming>& p) {
    auto cyc = [&](const char* key, int MemTiming::*m, const char* doc) { p.integer(key, m, doc).at_least(0); };
    cyc("CL", &MemTiming::CL, "read latency: RD to first data");
    cyc("CWL", &MemTiming::CWL, "write latency: WR to first data");
    cyc("RCDRD", &MemTiming::RCDRD, "ACT to RD, same bank");
    cyc("RCDWR", &MemTiming::RCDWR, "ACT to WR, same bank");
    cyc("RP", &MemTiming::RP, "PRE to ACT, same bank");
    cyc("RAS", &MemTiming::RAS, "ACT to PRE, same bank");
    cyc("RC", &MemTiming::RC, "ACT to ACT, same bank");
    cyc("WR", &MemTiming::WR, "end of write data to PRE (write recovery)");
    cyc("RTP", &MemTiming::RTP, "RD to PRE");
    cyc("CCDS", &MemTiming::CCDS, "column to column, other bank group");
    cyc("CCDL", &MemTiming::CCDL, "column to column, same bank group");
    cyc("RRDS", &MemTiming::RRDS, "ACT to ACT, other bank group");
    cyc("RRDL", &MemTiming::RRDL, "ACT to ACT, same bank group");
    cyc("FAW", &MemTiming::FAW, "rolling window holding at most four ACTs");
    cyc("WTRS", &MemTiming::WTRS, "end of write data to RD, other bank group");
    cyc("WTRL", &MemTiming::WTRL, "end of write data to RD, same bank group");
    cyc("RTW", &MemTiming::RTW, "RD to WR");
    cyc("RFC", &MemTiming::RFC, "all-bank refresh cycle time");
    cyc("RFCpb", &MemTiming::RFCpb, "per-bank refresh cycle time");
    cyc("REFI", &MemTiming::REFI, "all-bank refresh interval");
    cyc("REFIpb", &MemTiming::REFIpb, "per-bank refresh interval (one bank's REFpb every REFIpb)");
    p.integer("BL", &MemTiming::BL, "data-bus cycles of one burst").at_least(1);
  });
  return s;
}

const ParamSet<MemEnergy>& MemEnergy::schema() {
  static const ParamSet<MemEnergy> s("energy", "HBM energy", [](ParamSet<MemEnergy>& p) {
    p.quantity("act", &MemEnergy::act, "one activation with its precharge (ACT + PRE)").non_negative();
    p.quantity("read_core", &MemEnergy::read_core, "per bit read: array and core").non_negative();
    p.quantity("read_io", &MemEnergy::read_io, "per bit read: interface I/O").non_negative();
    p.quantity("write_core", &MemEnergy::write_core, "per bit written: array and core").non_negative();
    p.quantity("write_io", &MemEnergy::write_io, "per bit written: interface I/O").non_negative();
    p.quantity("refresh_all_bank", &MemEnergy::refresh_all_bank, "one all-bank refresh of a pseudo-channel").non_negative();
    p.quantity("refresh_per_bank", &MemEnergy::refresh_per_bank, "one per-bank refresh").non_negative();
    p.quantity("background", &MemEnergy::background, "background power of one stack").non_negative();
  });
  return s;
}

const ParamSet<MemSpec>& MemSpec::schema() {
  static const ParamSet<MemSpec> s("memspec", "HBM standard: organisation, timing, energy", [](ParamSet<MemSpec>& p) {
    p.string("name", &MemSpec::name, "memspec label");
    p.string("standard", &MemSpec::standard, "JEDEC standard (HBM2, HBM2E, HBM3, HBM3E)");
    p.quantity("data_rate", &MemSpec::data_rate, "data rate per pin").positive();
    p.quantity("tck", &MemSpec::tck, "clock period (timings are in cycles of it)").positive();
    p.section("organisation", &MemSpec::org, "organisation of one stack");
    p.section("timing", &MemSpec::timing, "timing constraints in cycles");
    p.section("energy", &MemSpec::energy, "energy per command, per bit and background");
  });
  return s;
}

uint64_t MemSpec::stack_bytes() const {
  return static_cast<uint64_t>(org.channels) * org.pseudo_channels * banks() * static_cast<uint64_t>(org.rows) *
         static_cast<uint64_t>(org.columns) * static_cast<uint64_t>(org.width / 8);
}

namespace {
bool pow2(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }
}  // namespace

void check_memspec(const MemSpec& m, const SourceLoc& where, const std::string& path) {
  auto need_pow2 = [&](int64_t v, const char* key) {
    if (!pow2(v))
      throw ConfigError(where, path + ".organisation." + key,
                        fmt::format("must be a power of two (addresses are decoded by bit fields), got {}", v));
  };
  need_pow2(m.org.channels, "channels");
  need_pow2(m.org.pseudo_channels, "pseudo_channels");
  need_pow2(m.org.bank_groups, "bank_groups");
  need_pow2(m.org.banks_per_group, "banks_per_group");
  need_pow2(m.org.rows, "rows");
  need_pow2(m.org.columns, "columns");
  need_pow2(m.org.burst_length, "burst_length");
  if (m.org.width % 8 != 0) throw ConfigError(where, path + ".organisation.width", "must be a multiple of 8 bits");
  if (m.org.columns % m.org.burst_length != 0)
    throw ConfigError(where, path + ".organisation.columns", "must be a multiple of burst_length");
  // One burst is BL beats at the data rate; it must take BL (timing) clock cycles.
  const double burst_ps = m.org.burst_length * 1e12 / m.data_rate.bits_per_s;
  const double bus_ps = static_cast<double>(m.timing.BL) * static_cast<double>(m.tck.ps);
  if (std::fabs(burst_ps - bus_ps) > 0.01 * bus_ps)
    throw ConfigError(where, path + ".timing.BL",
                      fmt::format("{} cycles of {} ps = {} ps, but {} beats at {} Gb/s take {} ps", m.timing.BL, m.tck.ps,
                                  bus_ps, m.org.burst_length, m.data_rate.bits_per_s / 1e9, burst_ps));
  // A refresh interval must leave room to open a row and read it, or no request would ever finish.
  const auto& t = m.timing;
  const int64_t access = int64_t{t.RAS} + t.RP + t.RCDRD + t.CL + t.BL;
  if (t.REFI < t.RFC + access)
    throw ConfigError(where, path + ".timing.REFI",
                      fmt::format("{} cycles leave no time between refreshes: need at least RFC + RAS + RP + RCDRD + CL + "
                                  "BL = {}",
                                  t.REFI, t.RFC + access));
  if (int64_t{t.REFIpb} * m.banks() < t.RFCpb + access)
    throw ConfigError(where, path + ".timing.REFIpb",
                      fmt::format("{} cycles x {} banks leave a bank no time between its refreshes: need at least "
                                  "RFCpb + RAS + RP + RCDRD + CL + BL = {}",
                                  t.REFIpb, m.banks(), t.RFCpb + access));
  if (m.org.rows > (int64_t{1} << 32))
    throw ConfigError(where, path + ".organisation.rows", "must be at most 2^32");
}

MemSpec load_memspec(const std::string& configs_dir, const std::string& name) {
  MemSpec m = load_preset<MemSpec>(configs_dir, "memspec", name);
  check_memspec(m, SourceLoc{configs_dir + "/memspec/" + name + ".yaml", 0, 0}, "memspec");
  return m;
}

namespace {
const BlockRegistrar reg(MemSpec::schema());
}

}  // namespace litesim
