// Flag values shared by the subcommands of cli/main.cpp and cli/leaderboard_cmd.cpp. Both throw
// collab::InvalidOption, which `collabgym` maps to exit code 2 (bad usage).
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "env/error.h"

namespace collab::cli {

// An integer in [0, 2^64) given as text (seeds): CLI11 would wrap "-5" and clamp or wrap values
// past the range, so such flags are read as text and checked here.
inline uint64_t parse_u64(const std::string& flag, const std::string& text) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end) {
    throw InvalidOption(
        fmt::format("{} '{}': expected an integer in [0, 18446744073709551615]", flag, text));
  }
  return v;
}

// `--option KEY=VALUE` flags as one JSON object: VALUE is parsed as JSON when it is JSON, else
// kept as a string (`-o noise=0.1`, `-o persona=terse`).
inline nlohmann::json parse_key_values(const std::vector<std::string>& flags) {
  nlohmann::json o = nlohmann::json::object();
  for (const auto& kv : flags) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InvalidOption(fmt::format("--option '{}': expected KEY=VALUE", kv));
    }
    const std::string value = kv.substr(eq + 1);
    nlohmann::json v = nlohmann::json::parse(value, nullptr, false);
    o[kv.substr(0, eq)] = v.is_discarded() ? nlohmann::json(value) : v;
  }
  return o;
}

}  // namespace collab::cli
