// The server's sockets: one ZeroMQ ROUTER per endpoint, read and written on the I/O thread only,
// and a queue per client (peer) for the replies ZeroMQ cannot take yet (docs/protocol.md,
// "Delivery"). Internal to bridge/server*.cpp.
//
// No reply is dropped while its client is connected: sockets run with ZMQ_ROUTER_MANDATORY, so a
// full pipe to a client (it is not reading) is EAGAIN instead of a silent drop; that client's
// replies then wait in its queue, in order, and its new requests are held unprocessed until the
// queue drains (backpressure), while other clients are served as before. What is held per client
// is bounded (Limits); a request beyond the bounds is answered with `overloaded`. A client that
// disconnected (EHOSTUNREACH) has its queue dropped.
#pragma once

// clang-format off
#include <utility>  // first: Boost.Asio 1.74's awaitable.hpp uses std::exchange without it
// clang-format on

#include <atomic>
#include <boost/asio.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <msgpack.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#include <zmq.hpp>

namespace collab::bridge::detail {

// The server's record of a reply's place among the replies about the same sessions
// (bridge/server.cpp); the transport never looks at it.
struct OrderSlot {
  virtual ~OrderSlot() = default;
};

// Where a reply goes: the endpoint (index), the peer's envelope (routing id first) and the
// request id (set by the server once it has read the body; nil until then).
struct ReplyTo {
  size_t endpoint = 0;
  std::vector<zmq::message_t> envelope;
  std::optional<uint64_t> id;
  // Set when the request's envelope broke kMaxEnvelopeFrames/kMaxEnvelopeBytes: why. Its body was
  // dropped unread and `envelope` cut to the routing id (and the empty delimiter, if any).
  std::string too_large;
  // Set by the server when the reply must wait for earlier replies about the same sessions.
  std::shared_ptr<OrderSlot> order;
};

struct TransportStats {
  uint64_t clients_waiting = 0;   // clients with replies ZeroMQ would not take yet
  uint64_t held_requests = 0;     // accepted requests whose reply is not yet handed to ZeroMQ
  uint64_t held_bytes = 0;        // bytes of held requests and queued replies, all clients
  uint64_t max_client_bytes = 0;  // the most bytes ever held for one client
  uint64_t overloaded = 0;        // requests answered `overloaded`
  uint64_t dropped = 0;           // replies dropped because their client had disconnected
  uint64_t refused_clients = 0;   // CURVE handshakes refused by the ZAP handler
};

class Transport {
 public:
  struct Limits {
    size_t max_in_flight = 65536;        // requests held per client
    size_t max_queued_bytes = 64 << 20;  // bytes held per client before new requests are refused
  };
  // Called for every accepted request; the server answers it with exactly one reply(), now or
  // later (on the I/O thread).
  using Handler = std::function<void(ReplyTo&& to, zmq::message_t&& body)>;

  Transport(boost::asio::io_context& io, Limits limits, Handler on_request);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // CURVE for every endpoint bound after it: `secret_z85` is the server's secret key, and a ZAP
  // handler (on the I/O thread) admits only clients whose public key (32 bytes, binary) is in
  // `allowed`. Call before bind().
  void enable_curve(zmq::context_t& ctx, const std::string& secret_z85,
                    std::vector<std::string> allowed);
  // Binds a ROUTER socket (throws collab::Error naming the endpoint); hard_cap: ZMQ_MAXMSGSIZE.
  void bind(zmq::context_t& ctx, const std::string& address, int64_t hard_cap);
  // Starts reading every endpoint (I/O thread).
  void start();
  // Sends (or queues) the reply to `to` (I/O thread). After close(), does nothing.
  void reply(ReplyTo& to, const msgpack::sbuffer& body);
  // Closes the sockets with a 1 s linger; replies still queued for clients that are not reading
  // are dropped.
  void close();
  bool closed() const { return closed_; }
  // While one lives, replies are only sent or queued; the sockets are serviced once, when the
  // last one ends (I/O thread). For many replies made outside the transport's own callbacks.
  class Burst {
   public:
    explicit Burst(Transport& t) : t_(t) { ++t_.depth_; }
    ~Burst() {
      if (--t_.depth_ == 0 && !t_.closed_) {
        for (auto& ep : t_.endpoints_) t_.service(*ep);
      }
    }
    Burst(const Burst&) = delete;
    Burst& operator=(const Burst&) = delete;

   private:
    Transport& t_;
  };
  // Forgets the state of clients that hold nothing (I/O thread; the server's reaper calls it).
  void forget_idle_clients();

  std::vector<std::string> addresses() const;
  TransportStats stats() const;  // any thread

 private:
  struct Outgoing;
  struct Parked;
  struct Peer;
  struct Endpoint;
  enum class Sent { kOk, kFull, kGone };

  void arm(Endpoint& ep);
  void service(Endpoint& ep);
  void on_message(Endpoint& ep, std::vector<zmq::message_t>&& frames);
  void refuse(Endpoint& ep, Peer& peer, std::vector<zmq::message_t>&& envelope,
              const zmq::message_t& body);
  bool flush(Endpoint& ep, const std::string& key);
  bool flush_waiting(Endpoint& ep);
  void enqueue(Endpoint& ep, const std::string& key, Peer& peer, Outgoing&& o);
  void drop(Endpoint& ep, const std::string& key, Peer& peer);
  Sent try_send(Endpoint& ep, std::vector<zmq::message_t>& envelope, zmq::message_t& body);
  void hold(Peer& peer, int64_t bytes);
  void schedule_retry();
  void arm_zap();
  void service_zap();

  boost::asio::io_context& io_;
  Limits limits_;
  Handler on_request_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  boost::asio::steady_timer retry_;
  bool retry_armed_ = false;
  bool closed_ = false;
  int depth_ = 0;  // > 0 while service() runs: replies made meanwhile need no service of their own
  // CURVE (enable_curve): the server's secret key, the ZAP handler's socket and the admitted keys.
  std::string curve_secret_;
  std::optional<zmq::socket_t> zap_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> zap_fd_;
  std::unordered_set<std::string> allowed_;
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> clients_waiting_{0}, held_requests_{0}, held_bytes_{0},
      max_client_bytes_{0}, overloaded_{0}, dropped_{0};
};

}  // namespace collab::bridge::detail
