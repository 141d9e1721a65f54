#pragma once
// Quantities with units. Every physical number in a LiteSim config carries its unit
// ("3.35 TB/s", "800 Gbps", "5 ns", "1.2 pJ/bit", "80 GiB", "1.83 GHz", "700 W").
// Decimal prefixes (k, M, G, T, P, E; m, u, n, p, f) and binary prefixes (Ki, Mi, Gi, Ti, Pi, Ei;
// bytes and bits only) are distinct: 1 GB = 10^9 B, 1 GiB = 2^30 B. "K" is rejected as ambiguous.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace litesim {

// The physical dimension a config field expects.
enum class Dim {
  Time,            // stored as integer picoseconds
  Frequency,       // Hz
  DataSize,        // bytes (whole bytes)
  DataRate,        // bit/s
  Energy,          // pJ
  EnergyPerBit,    // pJ/bit
  EnergyPerFlop,   // pJ/FLOP
  Power,           // W
  Length,          // m
  DelayPerLength,  // ps/m
  FlopRate,        // FLOP/s
};

const char* dim_name(Dim d);      // "a data rate"
const char* dim_examples(Dim d);  // "800 Gbps, 100 GB/s, 3.35 TB/s"

// Thrown for a malformed quantity; the config layer adds file, line and key.
struct UnitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A parsed quantity: its value in the dimension's base unit (see Dim) and the text normalised
// to "<number> <unit>" so that a resolved config prints exactly what was written.
struct Quantity {
  Dim dim{};
  double value = 0;  // in the base unit of dim
  std::string text;
};

// Parses "3.35 TB/s" as `expected`; throws UnitError naming what was expected.
Quantity parse_quantity(std::string_view text, Dim expected);

// ---- typed values used in parameter structs (plain numbers, no text) ----
struct Time {
  int64_t ps = 0;
  static constexpr Time from_ns(double ns) { return Time{static_cast<int64_t>(ns * 1000.0 + 0.5)}; }
  double ns() const { return static_cast<double>(ps) / 1e3; }
  double s() const { return static_cast<double>(ps) / 1e12; }
  // Checked: a sum or difference outside int64 picoseconds throws (see time_overflow()).
  friend Time operator+(Time a, Time b) {
    int64_t r;
    if (__builtin_add_overflow(a.ps, b.ps, &r)) time_overflow();
    return Time{r};
  }
  friend Time operator-(Time a, Time b) {
    int64_t r;
    if (__builtin_sub_overflow(a.ps, b.ps, &r)) time_overflow();
    return Time{r};
  }
  [[noreturn]] static void time_overflow();
  friend constexpr bool operator==(Time a, Time b) { return a.ps == b.ps; }
  friend constexpr bool operator<(Time a, Time b) { return a.ps < b.ps; }
};
struct Frequency {
  double hz = 0;
};
struct DataSize {
  uint64_t bytes = 0;
};
struct DataRate {
  double bits_per_s = 0;
  double bytes_per_s() const { return bits_per_s / 8.0; }
};
struct Energy {
  double pj = 0;
};
struct EnergyPerBit {
  double pj_per_bit = 0;
};
struct EnergyPerFlop {
  double pj_per_flop = 0;
};
struct Power {
  double watts = 0;
};
struct Length {
  double m = 0;
};
struct DelayPerLength {
  double ps_per_m = 0;
};
struct FlopRate {
  double flops = 0;
};

// Maps a typed value to its dimension and builds it from a parsed Quantity.
template <class T>
struct UnitTraits;
#define LITESIM_UNIT_TRAITS(T, D, EXPR)               \
  template <>                                         \
  struct UnitTraits<T> {                              \
    static constexpr Dim dim = Dim::D;                \
    static T make(const Quantity& q) { return EXPR; } \
  };
LITESIM_UNIT_TRAITS(Time, Time, Time{static_cast<int64_t>(q.value)})
LITESIM_UNIT_TRAITS(Frequency, Frequency, Frequency{q.value})
LITESIM_UNIT_TRAITS(DataSize, DataSize, DataSize{static_cast<uint64_t>(q.value)})
LITESIM_UNIT_TRAITS(DataRate, DataRate, DataRate{q.value})
LITESIM_UNIT_TRAITS(Energy, Energy, Energy{q.value})
LITESIM_UNIT_TRAITS(EnergyPerBit, EnergyPerBit, EnergyPerBit{q.value})
LITESIM_UNIT_TRAITS(EnergyPerFlop, EnergyPerFlop, EnergyPerFlop{q.value})
LITESIM_UNIT_TRAITS(Power, Power, Power{q.value})
LITESIM_UNIT_TRAITS(Length, Length, Length{q.value})
LITESIM_UNIT_TRAITS(DelayPerLength, DelayPerLength, DelayPerLength{q.value})
LITESIM_UNIT_TRAITS(FlopRate, FlopRate, FlopRate{q.value})
#undef LITESIM_UNIT_TRAITS

// Time to move `bytes` at `rate`, rounded up to the next picosecond (a value within 1e-6 ps of an
// integer counts as that integer, so exact rates give exact times).
Time transfer_time(uint64_t bytes, DataRate rate);
// Time for `work` units at `per_second` units per second, rounded up to the next picosecond.
Time duration_of(double work, double per_second);

}  // namespace litesim
