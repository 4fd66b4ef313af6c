// Random numbers for synthetic weights. Speed matters (a 1B model needs
// 1.2e9 normals) and so does reproducibility across machines and thread
// counts, so every tensor row gets its own generator seeded from
// (seed, tensor, row): xoshiro256** seeded through splitmix64. Normals come
// from the Box-Muller transform on 24-bit uniforms in float precision —
// exact enough for random weights (tails are cut at |z| ~ 5.8), and about
// 3-4 ns per value.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace ledge::tools {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Xoshiro256 {
 public:
  // One independent stream per (seed, a, b), e.g. (seed, tensor, row).
  Xoshiro256(uint64_t seed, uint64_t a, uint64_t b) {
    uint64_t sm = seed ^ (a * 0xD1B54A32D192ED03ull) ^ (b * 0xABC98388FB8FAC03ull);
    for (uint64_t& x : s_) x = splitmix64(sm);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 24 random bits.
  static float unit(uint32_t bits24) { return static_cast<float>(bits24) * (1.0f / 16777216.0f); }

  // Fills dst[0..n) with N(0, sigma^2).
  void normals(float* dst, uint64_t n, float sigma) {
    uint64_t i = 0;
    while (i < n) {
      const uint64_t r = next();
      // (0, 1] so the log is finite.
      const float u1 = 1.0f - unit(static_cast<uint32_t>(r >> 40));
      const float u2 = unit(static_cast<uint32_t>(r >> 8) & 0xFFFFFF);
      const float radius = sigma * std::sqrt(-2.0f * std::log(u1));
      const float angle = 2.0f * std::numbers::pi_v<float> * u2;
      dst[i++] = radius * std::cos(angle);
      if (i < n) dst[i++] = radius * std::sin(angle);
    }
  }

  // Fills dst[0..n) uniformly in [lo, hi).
  void uniforms(float* dst, uint64_t n, float lo, float hi) {
    for (uint64_t i = 0; i < n; ++i) dst[i] = lo + (hi - lo) * unit(static_cast<uint32_t>(next() >> 40));
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace ledge::tools
