// The external-user flags (docs/external-users.md) of `run`, `play`, `replay`, `leaderboard` and
// `serve`: --user [NAME=]ENDPOINT[?timeout=S], --user-cache FILE, --user-cache-mode MODE.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace collab::cli {

struct UserArgs {
  std::vector<std::string> users;  // [NAME=]ENDPOINT[?timeout=S], repeatable only for serve
  std::string cache;
  std::string cache_mode;

  // `serve` offers several users by name (clients choose with option user=NAME); the other
  // commands take one, which their environments use.
  void add_to(CLI::App* app, bool several = false);
  // Registers each user (env/user.h) with its cache; returns the names registered, in order.
  // Throws InvalidOption naming the bad flag value. `replay_default` makes replay the default
  // cache mode (`collabgym replay`).
  std::vector<std::string> apply(bool replay_default = false) const;
};

}  // namespace collab::cli
