// External simulated users reached over ZeroMQ (docs/protocol.md, "User endpoints";
// docs/external-users.md): a UserModel (env/user.h) that sends each request to a process serving
// the user protocol, e.g. collabgym.serve_user in Python.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "env/user.h"

namespace collab::bridge {

inline constexpr int kUserProtocolVersion = 1;

struct ExternalUserOptions {
  std::string endpoint;     // tcp://HOST:PORT or ipc://PATH, where the user listens
  double timeout_s = 30.0;  // per request; a late answer is a fallback to the rule-based user
  // Parses ENDPOINT[?timeout=SECONDS]; throws InvalidOption naming the bad part.
  static ExternalUserOptions parse(std::string_view arg);
};

// Thread-safe: concurrent calls (MR forward samples) use one REQ socket each, kept in a pool.
// Connects lazily and sends `hello` once per socket; an endpoint whose hello lacks
// `user_protocol` (an agent, an environment server) fails every call. Its name is the endpoint.
std::shared_ptr<UserModel> make_external_user(const ExternalUserOptions& options);

// The user configured by the runner's --user / --user-cache / --user-cache-mode flags, registered
// in the process-wide directory (env/user.h) under `name` (the endpoint when empty). `arg` is
// ENDPOINT[?timeout=S]; in replay mode it is never contacted. `cache_mode` "" means record when a
// cache file is named, off otherwise. Returns the registered model.
std::shared_ptr<UserModel> register_external_user(std::string_view arg, const std::string& cache,
                                                  std::string_view cache_mode,
                                                  std::string name = {});

}  // namespace collab::bridge
