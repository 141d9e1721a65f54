#include "memory/hbm/dram/address_mapping.h"

#include <map>
#include <stdexcept>

#include <fmt/format.h>

namespace litesim {

namespace {
int log2_exact(int64_t v) {
  int b = 0;
  while ((int64_t{1} << b) < v) ++b;
  return b;
}
}  // namespace

AddressMapping::AddressMapping(const std::string& spec, const MemSpec& m, int stacks) : spec_(spec) {
  if (stacks < 1) throw std::invalid_argument("at least one stack is needed");
  const bool pow2_stacks = (stacks & (stacks - 1)) == 0;
  const std::map<std::string, std::pair<Field, int64_t>> known = {
      {"St", {St, stacks}},
      {"Ro", {Ro, m.org.rows}},
      {"Ba", {Ba, m.org.banks_per_group}},
      {"Bg", {Bg, m.org.bank_groups}},
      {"Co", {Co, m.bursts_per_row()}},
      {"Pc", {Pc, m.org.pseudo_channels}},
      {"Ch", {Ch, m.org.channels}}};
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= spec.size()) {
    const auto dash = spec.find('-', start);
    names.push_back(spec.substr(start, dash == std::string::npos ? std::string::npos : dash - start));
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  std::map<std::string, int> seen;
  for (const auto& n : names) {
    if (!known.count(n))
      throw std::invalid_argument(fmt::format("unknown field '{}' in mapping '{}'; fields are St, Ro, Ba, Bg, Co, Pc, Ch", n, spec));
    if (seen[n]++) throw std::invalid_argument(fmt::format("field '{}' appears twice in mapping '{}'", n, spec));
  }
  for (const auto& [n, fc] : known)
    if (!seen.count(n) && !(n == "St" && stacks == 1))
      throw std::invalid_argument(fmt::format("mapping '{}' lacks field '{}'", spec, n));
  offset_bits_ = log2_exact(m.burst_bytes());
  int shift = offset_bits_;
  if (!pow2_stacks) {
    if (names.back() != "St")
      throw std::invalid_argument(fmt::format(
          "{} stacks is not a power of two: the mapping must end with St (stacks interleaved by modulo), got '{}'",
          stacks, spec));
    modulo_stacks_ = static_cast<uint32_t>(stacks);
    names.pop_back();
    shift = 0;  // the other fields are bits of (burst index / stacks)
  }
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    const auto& [field, count] = known.at(*it);
    const int bits = log2_exact(count);
    slots_.push_back(Slot{field, bits, shift});
    shift_[field] = shift;
    mask_[field] = (uint64_t{1} << bits) - 1;
    shift += bits;
  }
  if (shift > 62) throw std::invalid_argument("the memory is too large to address");
  capacity_ = modulo_stacks_ ? (uint64_t{1} << shift) * modulo_stacks_ * m.burst_bytes() : uint64_t{1} << shift;
}

DramAddress AddressMapping::decode(uint64_t addr) const {
  DramAddress a;
  if (modulo_stacks_) {
    const uint64_t burst = addr >> offset_bits_;
    a.stack = static_cast<uint32_t>(burst % modulo_stacks_);
    addr = burst / modulo_stacks_;  // the other fields' bits start at 0
  }
  auto field = [&](Field f) { return static_cast<uint32_t>((addr >> shift_[f]) & mask_[f]); };
  if (!modulo_stacks_) a.stack = field(St);
  a.row = field(Ro);
  a.bank = field(Ba);
  a.bank_group = field(Bg);
  a.column = field(Co);
  a.pseudo_channel = field(Pc);
  a.channel = field(Ch);
  return a;
}

uint64_t AddressMapping::encode(const DramAddress& a) const {
  uint64_t addr = 0;
  for (const Slot& s : slots_) {
    uint64_t v = 0;
    switch (s.field) {
      case St: v = a.stack; break;
      case Ro: v = a.row; break;
      case Ba: v = a.bank; break;
      case Bg: v = a.bank_group; break;
      case Co: v = a.column; break;
      case Pc: v = a.pseudo_channel; break;
      case Ch: v = a.channel; break;
    }
    addr |= (v & ((uint64_t{1} << s.bits) - 1)) << s.shift;
  }
  if (modulo_stacks_) addr = (addr * modulo_stacks_ + a.stack) << offset_bits_;
  return addr;
}

}  // namespace litesim
