#include "core/units.h"

#include "core/error.h"

#include <cmath>
#include <map>
#include <regex>
#include <vector>

#include <fmt/format.h>

namespace litesim {

const char* dim_name(Dim d) {
  switch (d) {
    case Dim::Time:
      return "a time";
    case Dim::Frequency:
      return "a frequency";
    case Dim::DataSize:
      return "a data size";
    case Dim::DataRate:
      return "a data rate";
    case Dim::Energy:
      return "an energy";
    case Dim::EnergyPerBit:
      return "an energy per bit";
    case Dim::EnergyPerFlop:
      return "an energy per FLOP";
    case Dim::Power:
      return "a power";
    case Dim::Length:
      return "a length";
    case Dim::DelayPerLength:
      return "a delay per length";
    case Dim::FlopRate:
      return "a FLOP rate";
  }
  return "a quantity";
}

const char* dim_examples(Dim d) {
  switch (d) {
    case Dim::Time:
      return "5 ns, 0.625 ns, 3.9 us, 2 ms";
    case Dim::Frequency:
      return "1.83 GHz, 800 MHz";
    case Dim::DataSize:
      return "80 GiB, 64 MB, 32 B, 512 b";
    case Dim::DataRate:
      return "800 Gbps, 32 Gb/s, 3.35 TB/s, 25 GiB/s";
    case Dim::Energy:
      return "1.5 pJ, 3 nJ, 2 J";
    case Dim::EnergyPerBit:
      return "1.2 pJ/bit, 500 fJ/bit, 6 pJ/B";
    case Dim::EnergyPerFlop:
      return "0.5 pJ/FLOP";
    case Dim::Power:
      return "700 W, 250 mW, 10.2 kW";
    case Dim::Length:
      return "2 m, 30 cm, 5 mm";
    case Dim::DelayPerLength:
      return "5 ns/m";
    case Dim::FlopRate:
      return "989.4 TFLOPS, 60 TFLOP/s";
  }
  return "";
}

namespace {

struct UnitDef {
  Dim dim;
  int exp10;    // decimal scale to the base unit of dim (prefix and unit together)
  double mult;  // exact binary factor (binary prefixes, bits <-> bytes)
};

struct Prefix {
  std::string symbol;
  int exp10;
  double mult;
};

// Builds the symbol table once: every (prefix, unit) a dimension accepts. Decimal scales are kept
// as powers of ten and applied in one correctly rounded step, so "5 ns/m" is exactly 5000 ps/m.
const std::map<std::string, UnitDef>& unit_table() {
  static const std::map<std::string, UnitDef> table = [] {
    std::map<std::string, UnitDef> t;
    const std::vector<Prefix> big = {{"", 0, 1},   {"k", 3, 1},  {"M", 6, 1}, {"G", 9, 1},
                                     {"T", 12, 1}, {"P", 15, 1}, {"E", 18, 1}};
    const std::vector<Prefix> binary = {
        {"Ki", 0, 1024.0},          {"Mi", 0, 1048576.0},          {"Gi", 0, 1073741824.0},
        {"Ti", 0, 1099511627776.0}, {"Pi", 0, 1125899906842624.0}, {"Ei", 0, 1152921504606846976.0}};
    const std::vector<Prefix> small = {{"", 0, 1},   {"m", -3, 1},  {"u", -6, 1}, {"\xC2\xB5", -6, 1},
                                       {"n", -9, 1}, {"p", -12, 1}, {"f", -15, 1}};
    auto add = [&](const std::vector<Prefix>& prefixes, const std::vector<std::string>& units, Dim dim, int unit_exp10,
                   double unit_mult) {
      for (const auto& p : prefixes)
        for (const auto& u : units) t[p.symbol + u] = UnitDef{dim, p.exp10 + unit_exp10, p.mult * unit_mult};
    };
    // Time: base picoseconds.
    add(small, {"s"}, Dim::Time, 12, 1);
    add({{"", 0, 1}, {"k", 3, 1}, {"M", 6, 1}, {"G", 9, 1}, {"T", 12, 1}}, {"Hz"}, Dim::Frequency, 0, 1);
    // Data size: base bytes.
    add(big, {"B"}, Dim::DataSize, 0, 1);
    add(binary, {"B"}, Dim::DataSize, 0, 1);
    add(big, {"b", "bit"}, Dim::DataSize, 0, 0.125);
    add(binary, {"b", "bit"}, Dim::DataSize, 0, 0.125);
    // Data rate: base bit/s.
    add(big, {"bps", "b/s", "bit/s"}, Dim::DataRate, 0, 1);
    add(binary, {"bps", "b/s", "bit/s"}, Dim::DataRate, 0, 1);
    add(big, {"B/s", "Bps"}, Dim::DataRate, 0, 8);
    add(binary, {"B/s"}, Dim::DataRate, 0, 8);
    // Energy: base pJ.
    const std::vector<Prefix> energy = {{"", 0, 1},   {"k", 3, 1},   {"m", -3, 1}, {"u", -6, 1},
                                        {"n", -9, 1}, {"p", -12, 1}, {"f", -15, 1}};
    add(energy, {"J"}, Dim::Energy, 12, 1);
    add(small, {"J/bit", "J/b"}, Dim::EnergyPerBit, 12, 1);
    add(small, {"J/B"}, Dim::EnergyPerBit, 12, 0.125);
    add({{"", 0, 1}, {"n", -9, 1}, {"p", -12, 1}, {"f", -15, 1}}, {"J/FLOP", "J/flop"}, Dim::EnergyPerFlop, 12, 1);
    add({{"", 0, 1}, {"m", -3, 1}, {"u", -6, 1}, {"k", 3, 1}, {"M", 6, 1}}, {"W"}, Dim::Power, 0, 1);
    add({{"", 0, 1}, {"k", 3, 1}, {"c", -2, 1}, {"m", -3, 1}, {"u", -6, 1}}, {"m"}, Dim::Length, 0, 1);
    add({{"p", -12, 1}, {"n", -9, 1}, {"u", -6, 1}}, {"s/m"}, Dim::DelayPerLength, 12, 1);
    add(big, {"FLOPS", "FLOP/s", "flop/s"}, Dim::FlopRate, 0, 1);
    return t;
  }();
  return table;
}

// x * 10^e with a single rounding (powers of ten up to 10^22 are exact doubles).
double scale10(double x, int e) {
  static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (e >= 0) return e <= 22 ? x * p10[e] : x * std::pow(10.0, e);
  return -e <= 22 ? x / p10[-e] : x * std::pow(10.0, e);
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

Quantity parse_quantity(std::string_view raw, Dim expected) {
  const std::string text = trim(raw);
  static const std::regex re(R"(^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*(.*)$)");
  std::smatch m;
  if (text.empty())
    throw UnitError(fmt::format("empty value; expected {}, e.g. {}", dim_name(expected), dim_examples(expected)));
  if (!std::regex_match(text, m, re))
    throw UnitError(fmt::format("'{}' is not a number with a unit; expected {}, e.g. {}", text, dim_name(expected),
                                dim_examples(expected)));
  const std::string number = m[1].str();
  const std::string unit = m[2].str();
  if (unit.empty())
    throw UnitError(
        fmt::format("'{}' has no unit; expected {}, e.g. {}", text, dim_name(expected), dim_examples(expected)));
  const auto& table = unit_table();
  auto it = table.find(unit);
  if (it == table.end()) {
    std::string hint;
    if (!unit.empty() && unit[0] == 'K') hint = " ('K' is not a prefix: write k for 10^3 or Ki for 2^10)";
    throw UnitError(fmt::format("unknown unit '{}' in '{}'{}; expected {}, e.g. {}", unit, text, hint,
                                dim_name(expected), dim_examples(expected)));
  }
  if (it->second.dim != expected)
    throw UnitError(fmt::format("'{}' is {}, but {} is expected here, e.g. {}", text, dim_name(it->second.dim),
                                dim_name(expected), dim_examples(expected)));
  double num = 0;
  try {
    num = std::stod(number);
  } catch (const std::out_of_range&) {
    throw UnitError(fmt::format("'{}' is out of range", text));
  }
  if (!std::isfinite(num)) throw UnitError(fmt::format("'{}' is not a finite number", text));
  Quantity q;
  q.dim = expected;
  q.value = scale10(num, it->second.exp10) * it->second.mult;
  q.text = number + " " + unit;
  if (!std::isfinite(q.value) || (num != 0 && q.value == 0)) throw UnitError(fmt::format("'{}' is out of range", text));
  if (expected == Dim::Time || expected == Dim::DataSize) {
    // Integer base units: picoseconds and bytes must come out whole.
    const double r = std::round(q.value);
    if (std::fabs(q.value - r) > 1e-6 * std::max(1.0, std::fabs(r)))
      throw UnitError(fmt::format("'{}' is not a whole number of {}", text,
                                  expected == Dim::Time ? "picoseconds (the time resolution)" : "bytes"));
    if (std::fabs(r) > 9.0e18) throw UnitError(fmt::format("'{}' is too large", text));
    q.value = r;
  }
  return q;
}

namespace {
int64_t ceil_ps(long double ps) {
  // int64 picoseconds reach about 106 days; a single duration of 46 days or more is an input
  // mistake, not a result, and is rejected before sums of such durations could overflow
  if (!(ps < 4.0e18L))
    throw SimError(
        fmt::format("a duration of {:.3g} s exceeds LiteSim's time range (~46 days)", static_cast<double>(ps / 1e12L)));
  const long double r = std::round(ps);
  if (std::fabs(ps - r) <= 1e-6L) return static_cast<int64_t>(r);
  return static_cast<int64_t>(std::ceil(ps));
}
}  // namespace

void Time::time_overflow() {
  throw SimError("simulated time overflowed LiteSim's range (int64 picoseconds, ~106 days): check rates and lengths");
}

Time transfer_time(uint64_t bytes, DataRate rate) {
  if (rate.bits_per_s <= 0) throw std::invalid_argument("transfer_time: rate must be positive");
  return Time{ceil_ps(static_cast<long double>(bytes) * 8.0L * 1e12L / rate.bits_per_s)};
}

Time duration_of(double work, double per_second) {
  if (per_second <= 0) throw std::invalid_argument("duration_of: rate must be positive");
  return Time{ceil_ps(static_cast<long double>(work) * 1e12L / per_second)};
}

}  // namespace litesim
