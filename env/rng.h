// Random numbers. Every episode owns its generator; there is no global RNG anywhere.
//
// The generator is xoshiro256** (Blackman & Vigna), seeded through SplitMix64: 32 bytes of state,
// cheap to create per turn, which is what makes derived sub-streams affordable in a 1 µs step.
#pragma once

#include <cstdint>
#include <limits>

namespace collab {

// SplitMix64 finaliser: a bijective 64-bit mix.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// What a derived stream is for. Values are part of the trace contract: never renumber.
enum class Stream : uint64_t {
  kEpisode = 1,   // sampling the hidden goal and persona at reset
  kUser = 2,      // the simulated user's noise on one turn
  kPolicy = 3,    // a built-in agent's choices on one turn
  kMrSample = 4,  // one MR forward sample
  kEnvSeeds = 5,  // the seeds an Env draws for reset() without a seed
  kBootstrap = 6, // bootstrap resampling in env/stats
};

// The seed of sub-stream (seed, turn, purpose, index); distinct tuples give independent streams.
constexpr uint64_t derive_seed(uint64_t seed, uint64_t turn, Stream purpose, uint64_t index = 0) {
  uint64_t h = mix64(seed);
  h = mix64(h ^ (turn * 0xD1B54A32D192ED03ULL));
  h = mix64(h ^ (static_cast<uint64_t>(purpose) * 0xAEF17502108EF2D9ULL));
  return mix64(h ^ (index * 0x9FB21C651E98DF25ULL));
}

// xoshiro256**; satisfies UniformRandomBitGenerator.
class Rng {
 public:
  using result_type = uint64_t;

  explicit Rng(uint64_t seed = 0) {
    for (auto& s : s_) {  // SplitMix64 sequence, as the xoshiro authors recommend
      s = mix64(seed);
      seed += 0x9E3779B97F4A7C15ULL;
    }
  }
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }

  result_type operator()() {
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

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n); n > 0. Lemire's multiply-shift (bias < 2^-64 * n, irrelevant here).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<U128>((*this)()) * n) >> 64);
  }
  bool bernoulli(double p) { return uniform() < p; }

  friend bool operator==(const Rng&, const Rng&) = default;

 private:
  __extension__ using U128 = unsigned __int128;
  static constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace collab
