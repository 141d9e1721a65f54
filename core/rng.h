#pragma once
// Seeded deterministic random numbers. Each component draws from its own stream, derived from the
// run seed and the component's name, so adding a component does not perturb the others' draws.
// Only the engine's raw 64-bit output is used (libstdc++ distributions are not portable).
#include <cstdint>
#include <random>
#include <string>

namespace litesim {

// The splitmix64 finaliser (Steele, Lea & Flood 2014): a 64-bit mixer whose every input bit affects
// every output bit. Seeds streams here, and hashes flows for multipath routing.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  Rng(uint64_t seed, const std::string& stream) : eng_(mix(seed, stream)) {}
  uint64_t next() { return eng_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(eng_() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform integer in [0, n), n > 0 (rejection sampling, no modulo bias).
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = eng_();
    while (x >= limit);
    return x % n;
  }

 private:
  static uint64_t mix(uint64_t seed, const std::string& stream) {
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (unsigned char c : stream) h = (h ^ c) * 1099511628211ULL;
    return splitmix64(h);
  }
  std::mt19937_64 eng_;
};

}  // namespace litesim
