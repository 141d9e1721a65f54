#pragma once
// Address mapping written as a string of fields from the most to the least significant, e.g.
// "St-Ro-Ba-Bg-Co-Pc-Ch": below the burst offset (log2 of the burst size) come Ch (channel), Pc
// (pseudo-channel), Co (burst-sized column block within the row), Bg, Ba, Ro and St (stack),
// each as many bits as log2 of its count. Every field must appear once; St may be left out when
// there is one stack. A stack count that is not a power of two (an H100 has five) is interleaved
// by modulo, which needs St as the least significant field. Changing the string changes the
// interleaving, nothing else.
#include <cstdint>
#include <string>
#include <vector>

#include "memory/hbm/dram/memspec.h"

namespace litesim {

struct DramAddress {
  uint32_t stack = 0, channel = 0, pseudo_channel = 0, bank_group = 0, bank = 0;  // bank within its group
  uint32_t row = 0, column = 0;  // column: burst index within the row
};

class AddressMapping {
 public:
  // Throws std::invalid_argument with a message naming what is wrong in `spec`.
  AddressMapping(const std::string& spec, const MemSpec& m, int stacks);

  DramAddress decode(uint64_t addr) const;
  uint64_t encode(const DramAddress& a) const;
  uint64_t capacity() const { return capacity_; }
  const std::string& spec() const { return spec_; }
  int offset_bits() const { return offset_bits_; }

 private:
  enum Field { St, Ro, Ba, Bg, Co, Pc, Ch };
  struct Slot {
    Field field;
    int bits;
    int shift;
  };
  std::string spec_;
  std::vector<Slot> slots_;
  int offset_bits_ = 0;
  uint64_t capacity_ = 0;
  int shift_[7] = {0, 0, 0, 0, 0, 0, 0};  // per Field, for decode (a field left out: mask 0)
  uint64_t mask_[7] = {0, 0, 0, 0, 0, 0, 0};
  uint32_t modulo_stacks_ = 0;  // non-zero: stack = burst index mod this, the other fields above
};

}  // namespace litesim
