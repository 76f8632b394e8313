#include "bridge/server_transport.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <iterator>
#include <zmq_addon.hpp>

#include "bridge/codec.h"
#include "bridge/protocol.h"
#include "bridge/server_wire.h"
#include "env/error.h"

namespace collab::bridge::detail {

namespace asio = boost::asio;

// A reply waiting for its client's pipe, or a run of `overloaded` errors: `count` refused
// requests with consecutive ids from `first_id` (or all without an id), stored in O(1) so that a
// client that sends without reading cannot grow this queue by more than a few bytes per run.
struct Transport::Outgoing {
  std::vector<zmq::message_t> envelope;
  zmq::message_t body;
  uint64_t count = 0;  // > 0: a run of errors
  std::optional<uint64_t> first_id;
  int64_t bytes = 0;  // what it counts against the client's bound
};

// A request held unprocessed while its client's replies wait, or (count > 0) a run of refusals
// that must keep its place behind the requests held before it.
struct Transport::Parked {
  ReplyTo to;
  zmq::message_t body;
  int64_t bytes = 0;
  uint64_t count = 0;
  std::optional<uint64_t> first_id;
};

struct Transport::Peer {
  std::deque<Outgoing> out;
  std::deque<Parked> parked;
  size_t requests = 0;  // accepted (held, being worked on, or queued) and not yet sent
  int64_t bytes = 0;    // parked requests + queued replies
  bool idle() const { return requests == 0 && out.empty() && parked.empty(); }
};

struct Transport::Endpoint {
  size_t index = 0;
  zmq::socket_t sock;
  std::unique_ptr<asio::posix::stream_descriptor> fd;
  std::string address;
  std::unordered_map<std::string, Peer> peers;  // by routing id
  std::unordered_set<std::string> waiting;      // peers with a non-empty `out`
};

namespace {

std::string key_of(const std::vector<zmq::message_t>& envelope) {
  return envelope.empty() ? std::string() : envelope.front().to_string();
}

// The request id of a body, if it is a map with an unsigned `id` (nil otherwise).
std::optional<uint64_t> peek_id(const zmq::message_t& body) {
  try {
    const msgpack::unpack_limit limits(kMaxArrayItems, kMaxMapEntries, body.size(), body.size(),
                                       kMaxExtBytes, kMaxDepth);
    const auto h = msgpack::unpack(static_cast<const char*>(body.data()), body.size(), nullptr,
                                   nullptr, limits);
    const auto* id = find_key(h.get(), "id");
    if (id != nullptr && id->type == msgpack::type::POSITIVE_INTEGER) return id->via.u64;
  } catch (const std::exception&) {
    // Unreadable: the refusal goes out with a nil id.
  }
  return std::nullopt;
}

std::vector<zmq::message_t> copy_envelope(const std::vector<zmq::message_t>& envelope) {
  std::vector<zmq::message_t> out;
  out.reserve(envelope.size());
  for (const auto& f : envelope) out.emplace_back(f.data(), f.size());
  return out;
}

int64_t size_of(const std::vector<zmq::message_t>& envelope) {
  int64_t n = 0;
  for (const auto& f : envelope) n += static_cast<int64_t>(f.size());
  return n;
}

}  // namespace

Transport::Transport(asio::io_context& io, Limits limits, Handler on_request)
    : io_(io), limits_(limits), on_request_(std::move(on_request)), retry_(io) {}

Transport::~Transport() {
  if (!closed_) {
    for (auto& ep : endpoints_) {
      if (ep->fd) ep->fd->release();  // the descriptor belongs to ZeroMQ
    }
    if (zap_fd_) zap_fd_->release();
  }
}

void Transport::enable_curve(zmq::context_t& ctx, const std::string& secret_z85,
                             std::vector<std::string> allowed) {
  curve_secret_ = secret_z85;
  allowed_ = std::unordered_set<std::string>(allowed.begin(), allowed.end());
  // ZeroMQ asks the ZAP handler of the socket's context (RFC 27) about every CURVE handshake.
  zap_.emplace(ctx, zmq::socket_type::rep);
  zap_->set(zmq::sockopt::linger, 0);
  try {
    zap_->bind("inproc://zeromq.zap.01");
  } catch (const zmq::error_t& e) {
    throw Error(fmt::format("cannot start the CURVE authentication handler: {}", e.what()));
  }
  zap_fd_ = std::make_unique<asio::posix::stream_descriptor>(io_, zap_->get(zmq::sockopt::fd));
}

void Transport::arm_zap() {
  zap_fd_->async_wait(asio::posix::stream_descriptor::wait_read,
                      [this](const boost::system::error_code& ec) {
                        if (ec || closed_) return;
                        service_zap();
                        if (!closed_) arm_zap();
                      });
}

// ZAP (RFC 27): [version, request id, domain, address, identity, mechanism, credentials…] in;
// [version, request id, status code, status text, user id, metadata] out. Admits CURVE clients
// whose public key is allowed; refuses everything else.
void Transport::service_zap() {
  while (!closed_ && (zap_->get(zmq::sockopt::events) & ZMQ_POLLIN)) {
    std::vector<zmq::message_t> req;
    if (!zmq::recv_multipart(*zap_, std::back_inserter(req), zmq::recv_flags::dontwait)) break;
    if (req.size() < 2) continue;  // not ZAP: a REP socket cannot answer without an id
    const bool curve = req.size() >= 7 && req[5].to_string_view() == "CURVE";
    const bool ok = curve && req[6].size() == 32 && allowed_.contains(req[6].to_string());
    if (!ok) {
      ++refused_;
      char z85[41] = "?";
      if (curve && req[6].size() == 32) zmq_z85_encode(z85, req[6].data<uint8_t>(), 32);
      spdlog::warn("refused a client{}{}: its CURVE public key {} is not in --curve-allow",
                   req.size() > 3 ? " from " : "", req.size() > 3 ? req[3].to_string() : "", z85);
    }
    std::array<zmq::message_t, 6> reply{zmq::message_t(std::string_view("1.0")),
                                        zmq::message_t(req[1].data(), req[1].size()),
                                        zmq::message_t(std::string_view(ok ? "200" : "400")),
                                        zmq::message_t(std::string_view(ok ? "OK" : "not allowed")),
                                        zmq::message_t(),
                                        zmq::message_t()};
    if (!zmq::send_multipart(*zap_, reply, zmq::send_flags::dontwait)) break;
  }
}

void Transport::bind(zmq::context_t& ctx, const std::string& address, int64_t hard_cap) {
  auto ep = std::make_unique<Endpoint>();
  ep->index = endpoints_.size();
  ep->sock = zmq::socket_t(ctx, zmq::socket_type::router);
  ep->sock.set(zmq::sockopt::maxmsgsize, hard_cap);
  ep->sock.set(zmq::sockopt::linger, 0);
  // A full pipe to a peer is EAGAIN, an unknown peer EHOSTUNREACH: never a silent drop.
  ep->sock.set(zmq::sockopt::router_mandatory, 1);
  if (!curve_secret_.empty()) {
    ep->sock.set(zmq::sockopt::curve_server, 1);
    ep->sock.set(zmq::sockopt::curve_secretkey, curve_secret_);
    ep->sock.set(zmq::sockopt::zap_domain, "collabgym");
  }
  try {
    ep->sock.bind(address);
  } catch (const zmq::error_t& e) {
    throw Error(fmt::format("cannot bind '{}': {}", address, e.what()));
  }
  ep->address = ep->sock.get(zmq::sockopt::last_endpoint);
  ep->fd = std::make_unique<asio::posix::stream_descriptor>(io_, ep->sock.get(zmq::sockopt::fd));
  endpoints_.push_back(std::move(ep));
}

void Transport::start() {
  if (zap_) {
    arm_zap();
    service_zap();
  }
  for (auto& ep : endpoints_) {
    arm(*ep);
    service(*ep);
  }
}

std::vector<std::string> Transport::addresses() const {
  std::vector<std::string> out;
  for (const auto& ep : endpoints_) out.push_back(ep->address);
  return out;
}

TransportStats Transport::stats() const {
  TransportStats s;
  s.clients_waiting = clients_waiting_;
  s.held_requests = held_requests_;
  s.held_bytes = held_bytes_;
  s.max_client_bytes = max_client_bytes_;
  s.overloaded = overloaded_;
  s.dropped = dropped_;
  s.refused_clients = refused_;
  return s;
}

void Transport::arm(Endpoint& ep) {
  ep.fd->async_wait(asio::posix::stream_descriptor::wait_read,
                    [this, &ep](const boost::system::error_code& ec) {
                      if (ec || closed_) return;
                      service(ep);
                      if (!closed_) arm(ep);
                    });
}

// ZMQ_FD is edge-triggered: after any operation on the socket, work until ZMQ_EVENTS says there
// is nothing to read, the last operation being that check. Reading ZMQ_EVENTS also processes the
// socket's commands, among them the "pipe writable again" that unblocks a waiting client.
void Transport::service(Endpoint& ep) {
  ++depth_;
  while (!closed_) {
    bool progress = !ep.waiting.empty() && flush_waiting(ep);
    while (!closed_ && (ep.sock.get(zmq::sockopt::events) & ZMQ_POLLIN)) {
      std::vector<zmq::message_t> frames;
      const auto n =
          zmq::recv_multipart(ep.sock, std::back_inserter(frames), zmq::recv_flags::dontwait);
      if (!n || frames.empty()) break;
      on_message(ep, std::move(frames));
      progress = true;
    }
    if (!progress || ep.waiting.empty()) break;
  }
  --depth_;
  if (!closed_ && !ep.waiting.empty()) schedule_retry();
}

// A safety net: the pipe-writable command normally wakes service() through ZMQ_FD.
void Transport::schedule_retry() {
  if (retry_armed_) return;
  retry_armed_ = true;
  retry_.expires_after(std::chrono::milliseconds(10));
  retry_.async_wait([this](const boost::system::error_code& ec) {
    retry_armed_ = false;
    if (ec || closed_) return;
    for (auto& ep : endpoints_) service(*ep);
  });
}

void Transport::hold(Peer& peer, int64_t bytes) {
  peer.bytes += bytes;
  held_bytes_ += static_cast<uint64_t>(bytes);  // wraps back on release (unsigned arithmetic)
  const auto b = static_cast<uint64_t>(std::max<int64_t>(peer.bytes, 0));
  if (b > max_client_bytes_) max_client_bytes_ = b;
}

void Transport::on_message(Endpoint& ep, std::vector<zmq::message_t>&& frames) {
  if (frames.size() < 2) return;  // ROUTER always prepends the routing id; nothing to answer
  zmq::message_t body = std::move(frames.back());
  frames.pop_back();
  // ZeroMQ caps each frame (ZMQ_MAXMSGSIZE), not their number: bound the envelope here, so that
  // a request of many frames is neither held nor echoed back (docs/protocol.md "Transport").
  std::string too_large;
  const size_t envelope_frames = frames.size() - 1;
  const auto envelope_bytes = static_cast<size_t>(size_of(frames)) - frames.front().size();
  if (envelope_frames > kMaxEnvelopeFrames || envelope_bytes > kMaxEnvelopeBytes) {
    too_large = fmt::format(
        "request of {} frames ({} bytes) before the body; the limit is {} frames and {} bytes",
        envelope_frames, envelope_bytes, kMaxEnvelopeFrames, kMaxEnvelopeBytes);
    const size_t keep = frames.size() > 1 && frames[1].size() == 0 ? 2 : 1;
    frames.erase(frames.begin() + static_cast<std::ptrdiff_t>(keep), frames.end());
    body = zmq::message_t();
  }
  const std::string key = key_of(frames);
  Peer& peer = ep.peers[key];
  if (peer.requests >= limits_.max_in_flight ||
      peer.bytes >= static_cast<int64_t>(limits_.max_queued_bytes)) {
    refuse(ep, peer, std::move(frames), body);
    return;
  }
  ++peer.requests;
  ++held_requests_;
  ReplyTo to{ep.index, std::move(frames), std::nullopt, std::move(too_large), {}};
  if (!peer.out.empty() || !peer.parked.empty()) {
    // Backpressure: the client is not reading its replies; hold its requests until it does.
    const int64_t bytes = static_cast<int64_t>(body.size()) + size_of(to.envelope);
    hold(peer, bytes);
    peer.parked.push_back({std::move(to), std::move(body), bytes, 0, std::nullopt});
    return;
  }
  on_request_(std::move(to), std::move(body));
  auto it = ep.peers.find(key);
  if (it != ep.peers.end() && it->second.idle()) ep.peers.erase(it);
}

// Over a bound: answer `overloaded` (docs/protocol.md), in its place behind what the client
// sent before (runs of consecutive ids are stored as one entry).
void Transport::refuse(Endpoint& ep, Peer& peer, std::vector<zmq::message_t>&& envelope,
                       const zmq::message_t& body) {
  ++overloaded_;
  const std::optional<uint64_t> id = peek_id(body);
  const auto extends = [&id](uint64_t count, const std::optional<uint64_t>& first) {
    return count > 0 && first.has_value() == id.has_value() && (!id || *id == *first + count);
  };
  const int64_t bytes = size_of(envelope) + 64;
  if (!peer.parked.empty()) {
    Parked& last = peer.parked.back();
    if (extends(last.count, last.first_id)) {
      ++last.count;
      return;
    }
    hold(peer, bytes);
    peer.parked.push_back({ReplyTo{ep.index, std::move(envelope), id, {}, {}}, {}, bytes, 1, id});
    return;
  }
  if (!peer.out.empty() && extends(peer.out.back().count, peer.out.back().first_id)) {
    ++peer.out.back().count;
    return;
  }
  Outgoing o;
  o.bytes = bytes;
  o.envelope = std::move(envelope);
  o.count = 1;
  o.first_id = id;
  const std::string key = key_of(o.envelope);
  enqueue(ep, key, peer, std::move(o));
  if (depth_ == 0) service(ep);
}

void Transport::reply(ReplyTo& to, const msgpack::sbuffer& body) {
  if (closed_) return;
  Endpoint& ep = *endpoints_.at(to.endpoint);
  const std::string key = key_of(to.envelope);
  Peer& peer = ep.peers[key];
  Outgoing o;
  o.envelope = std::move(to.envelope);
  o.body = zmq::message_t(body.data(), body.size());
  o.bytes = static_cast<int64_t>(body.size()) + size_of(o.envelope);
  enqueue(ep, key, peer, std::move(o));
  if (depth_ == 0) service(ep);
}

// Sends at once when nothing of this client's waits; queues otherwise, or when ZeroMQ refuses.
void Transport::enqueue(Endpoint& ep, const std::string& key, Peer& peer, Outgoing&& o) {
  if (peer.out.empty()) {
    if (o.count == 0) {
      switch (try_send(ep, o.envelope, o.body)) {
        case Sent::kOk:
          --peer.requests;
          --held_requests_;
          return;
        case Sent::kGone:
          --peer.requests;
          --held_requests_;
          ++dropped_;
          drop(ep, key, peer);
          return;
        case Sent::kFull:
          break;
      }
    }
    ep.waiting.insert(key);
    ++clients_waiting_;
  }
  hold(peer, o.bytes);
  peer.out.push_back(std::move(o));
}

// Gives ZeroMQ what it takes of one client's queue, then (queue empty) works on the requests
// held meanwhile until a reply waits again. True if anything moved.
bool Transport::flush(Endpoint& ep, const std::string& key) {
  auto it = ep.peers.find(key);
  if (it == ep.peers.end()) return false;
  Peer& peer = it->second;
  bool progress = false;
  while (!peer.out.empty()) {
    Outgoing& o = peer.out.front();
    Sent sent;
    if (o.count > 0) {
      const RequestError e{ErrorCode::kOverloaded,
                           fmt::format("this client has too many requests unanswered while it "
                                       "does not read its replies; the server holds at most {} "
                                       "requests or {} bytes per client (max_in_flight, "
                                       "max_queued_bytes): read replies before sending more",
                                       limits_.max_in_flight, limits_.max_queued_bytes)};
      const msgpack::sbuffer b = error_reply(o.first_id, e);
      zmq::message_t m(b.data(), b.size());
      auto envelope = copy_envelope(o.envelope);
      sent = try_send(ep, envelope, m);
      if (sent == Sent::kOk) {
        progress = true;
        if (o.first_id) ++*o.first_id;
        if (--o.count > 0) continue;
      }
    } else {
      sent = try_send(ep, o.envelope, o.body);
      if (sent == Sent::kOk) {
        progress = true;
        --peer.requests;
        --held_requests_;
      }
    }
    if (sent == Sent::kFull) return progress;
    if (sent == Sent::kGone) {
      drop(ep, key, peer);
      return true;
    }
    hold(peer, -o.bytes);
    peer.out.pop_front();
  }
  ep.waiting.erase(key);
  --clients_waiting_;
  while (peer.out.empty() && !peer.parked.empty() && !closed_) {
    Parked p = std::move(peer.parked.front());
    peer.parked.pop_front();
    hold(peer, -p.bytes);
    progress = true;
    if (p.count > 0) {  // a run of refusals: queued like a reply
      Outgoing o;
      o.bytes = p.bytes;
      o.envelope = std::move(p.to.envelope);
      o.count = p.count;
      o.first_id = p.first_id;
      enqueue(ep, key, peer, std::move(o));
      continue;
    }
    on_request_(std::move(p.to), std::move(p.body));
  }
  return progress;
}

bool Transport::flush_waiting(Endpoint& ep) {
  const std::vector<std::string> keys(ep.waiting.begin(), ep.waiting.end());
  bool progress = false;
  for (const auto& key : keys) progress = flush(ep, key) || progress;
  return progress;
}

// The client disconnected: nothing queued for it can be delivered.
void Transport::drop(Endpoint& ep, const std::string& key, Peer& peer) {
  size_t n = 0;
  for (const auto& o : peer.out) n += o.count == 0 ? 1 : 0;
  for (const auto& p : peer.parked) n += p.count == 0 ? 1 : 0;
  if (n > 0) spdlog::debug("client gone: {} request(s) of it will have no reply", n);
  dropped_ += n;
  peer.requests -= n;
  held_requests_ -= n;
  hold(peer, -peer.bytes);
  peer.out.clear();
  peer.parked.clear();
  if (ep.waiting.erase(key) > 0) --clients_waiting_;
}

Transport::Sent Transport::try_send(Endpoint& ep, std::vector<zmq::message_t>& envelope,
                                    zmq::message_t& body) {
  try {
    // With ZMQ_ROUTER_MANDATORY the routing frame is where a full or unknown peer shows, and
    // nothing of the message has left when it fails. The pipe's high-water mark counts whole
    // messages, so the frames after it are always taken.
    for (size_t i = 0; i < envelope.size(); ++i) {
      if (!ep.sock.send(envelope[i], zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        if (i == 0) return Sent::kFull;
        throw zmq::error_t();  // errno EAGAIN mid-message: cannot happen (see above)
      }
    }
    if (!ep.sock.send(body, zmq::send_flags::dontwait)) throw zmq::error_t();
    return Sent::kOk;
  } catch (const zmq::error_t& e) {
    if (e.num() != EHOSTUNREACH) spdlog::error("reply to a client dropped: {}", e.what());
    return Sent::kGone;
  }
}

void Transport::forget_idle_clients() {
  for (auto& ep : endpoints_) {
    std::erase_if(ep->peers, [](const auto& kv) { return kv.second.idle(); });
  }
}

void Transport::close() {
  if (closed_) return;
  // One last chance for what waits; then the linger gives ZeroMQ a second to deliver.
  for (auto& ep : endpoints_) {
    if (!ep->waiting.empty()) flush_waiting(*ep);
  }
  closed_ = true;
  retry_.cancel();
  for (auto& ep : endpoints_) {
    ep->fd->cancel();
    ep->fd->release();  // the descriptor belongs to ZeroMQ
    ep->sock.set(zmq::sockopt::linger, 1000);
    ep->sock.close();
  }
  if (zap_) {
    zap_fd_->cancel();
    zap_fd_->release();
    zap_->close();
  }
}

}  // namespace collab::bridge::detail
