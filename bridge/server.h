// The CollabGym server: environments over ZeroMQ + MessagePack (docs/protocol.md).
//
//   Server server(tasks::builtin_registry(), options);   // binds; throws on a bad endpoint
//   server.run();                                          // serves until stop() or a signal
//
// One I/O thread (the caller of run()) owns the sockets and a Boost.Asio io_context (socket
// readiness, reaping timer, signals); MR sessions step on a thread pool, one strand per session.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "env/registry.h"

namespace collab::bridge {

struct ServerOptions {
  std::vector<std::string> binds{"tcp://127.0.0.1:5555"};  // tcp://HOST:PORT or ipc://PATH
  int threads = 2;                                         // worker threads for MR sessions, >= 1
  size_t max_sessions = 1024;                              // open sessions at a time
  double idle_timeout_s = 600;         // seconds without a request before a session is reaped
  size_t max_message_bytes = 4 << 20;  // larger requests get `too_large`
  size_t max_batch = 4096;             // step_many items per request
  // Per client (docs/protocol.md "Delivery"): requests the server holds unanswered (reply not yet
  // taken by ZeroMQ) and bytes of requests and replies it holds while the client is not reading;
  // a request beyond either gets `overloaded`.
  size_t max_in_flight = 65536;
  size_t max_queued_bytes = 64 << 20;
  // Scenarios clients may pick by name or content hash (docs/protocol.md "Scenarios"), besides the
  // files shipped in scenario_dir()/<task>/: these files, and every *.json file in these folders.
  // Each names its task in "task". Clients never name paths.
  std::vector<std::string> scenario_files;
  std::vector<std::string> scenario_dirs;
  bool allow_remote = false;  // required to bind a non-loopback TCP address without CURVE
  // CURVE (docs/protocol.md "Security"): the server's secret key file and a folder of the public
  // keys (*.key) of the clients it admits, as `collabgym keygen` writes them. Both or neither; with
  // them every endpoint is a CURVE server and a non-loopback bind needs no allow_remote.
  std::string curve_secret_file;
  std::string curve_allow_dir;
  bool handle_signals = false;  // SIGINT/SIGTERM stop run() gracefully (the CLI sets it)
};

struct ServerStats {
  uint64_t sessions = 0, requests = 0, errors = 0, steps = 0;
  double uptime_s = 0;
  // Delivery (docs/protocol.md "Delivery"): clients with replies waiting for their pipe, requests
  // held unanswered, bytes held for them, the most bytes ever held for one client, requests
  // answered `overloaded`, replies dropped because their client had disconnected.
  uint64_t clients_waiting = 0, held_requests = 0, held_bytes = 0, max_client_bytes = 0,
           overloaded = 0, dropped = 0;
  uint64_t refused_clients = 0;  // CURVE handshakes refused (key not allowed)
  // External user simulators (docs/external-users.md): requests the steps made, MR samples'
  // included, and the fallbacks to the rule-based user among them.
  uint64_t user_calls = 0, user_fallbacks = 0;
  uint64_t rollout_calls = 0, rollout_fallbacks = 0;  // rollout agents' futures (minor 7)
};

class Server {
 public:
  // Validates the options and binds every endpoint (throws collab::InvalidOption or
  // collab::Error naming the endpoint).
  Server(const Registry& registry, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until stop() (from any thread) or, with handle_signals, SIGINT/SIGTERM; then answers
  // the requests in flight and returns.
  void run();
  void stop();
  // The bound endpoints, with wildcard TCP ports resolved (tcp://127.0.0.1:0 -> the real port).
  std::vector<std::string> endpoints() const;
  ServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True for ipc://, inproc:// and TCP endpoints on a loopback host (127.0.0.0/8, localhost, ::1).
bool is_loopback_endpoint(const std::string& endpoint);

}  // namespace collab::bridge
