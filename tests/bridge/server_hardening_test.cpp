// The server against hostile and unusual requests over real sockets (issue 15): raw bodies and
// frames, text that is not UTF-8, non-finite numbers, offered scenarios, per-session reply order
// and CURVE.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <set>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "agents/agent.h"
#include "bridge/client.h"
#include "bridge/codec.h"
#include "bridge/curve.h"
#include "bridge/server.h"
#include "bridge/server_wire.h"
#include "env/error.h"
#include "env/scenario.h"
#include "env/version.h"
#include "tasks/register_all.h"
#include "tests/bridge/server_test_util.h"

namespace collab::bridge {
namespace {

using namespace std::chrono_literals;
using namespace test;  // NOLINT(google-build-using-namespace): the server tests' helpers

// ---- hardening (issue 15) -------------------------------------------------------------------

// Sends `frames` on a fresh DEALER and returns the reply's frames (empty after 5 s).
std::vector<std::string> exchange_frames(const std::string& endpoint,
                                         const std::vector<std::string>& frames) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, 5000);
  s.connect(endpoint);
  for (size_t i = 0; i < frames.size(); ++i) {
    s.send(zmq::buffer(frames[i]),
           i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  std::vector<zmq::message_t> reply;
  (void)zmq::recv_multipart(s, std::back_inserter(reply));
  std::vector<std::string> out;
  for (const auto& m : reply) out.push_back(m.to_string());
  return out;
}

// One body in, the reply body's raw bytes out.
std::string exchange_raw(const std::string& endpoint, const std::string& request) {
  const auto frames = exchange_frames(endpoint, {request});
  return frames.empty() ? std::string() : frames.back();
}

// Where `o` holds a string (or key) that is not UTF-8, or "" when none does.
std::string non_utf8_at(const msgpack::object& o, const std::string& where = "reply") {
  switch (o.type) {
    case msgpack::type::STR:
      return detail::utf8_valid_prefix({o.via.str.ptr, o.via.str.size}) == o.via.str.size ? ""
                                                                                          : where;
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        if (auto w = non_utf8_at(o.via.array.ptr[i], where + "[]"); !w.empty()) return w;
      }
      return "";
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        if (auto w = non_utf8_at(o.via.map.ptr[i].key, where + ".<key>"); !w.empty()) return w;
        if (auto w = non_utf8_at(o.via.map.ptr[i].val, where + ".val"); !w.empty()) return w;
      }
      return "";
    default:
      return "";
  }
}

struct RawReply {
  msgpack::object_handle handle;
  nlohmann::json json;
  std::string non_utf8;  // where a string is not UTF-8, "" if none
};
RawReply parse_raw(const std::string& bytes) {
  RawReply r;
  r.handle = msgpack::unpack(bytes.data(), bytes.size());
  r.non_utf8 = non_utf8_at(r.handle.get());
  if (r.non_utf8.empty()) r.json = to_json(r.handle.get());
  return r;
}

// No client names a server path: scenarios are picked by name or content hash among those the
// operator offers (shipped ones, --scenario, --scenario-dir), and a refusal reads the same whether
// or not the path exists, never quoting the file.
TEST(Server, ClientsPickOfferedScenariosByNameOrHashNeverByPath) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("collabgym-scen-" + std::to_string(getpid()));
  fs::create_directories(dir / "offered");
  const std::string shipped = scenario_dir() + "/twenty_questions/small-v2.json";
  fs::copy_file(shipped, dir / "offered" / "tiny.json", fs::copy_options::overwrite_existing);
  {
    std::ofstream secret(dir / "secret.json");
    secret << R"({"task": "twenty_questions", "SECRET-CONTENT": 1})";
  }
  const std::string fifo = (dir / "fifo.json").string();
  ::mkfifo(fifo.c_str(), 0600);
  ServerOptions o = opts();
  o.scenario_dirs = {(dir / "offered").string()};
  Running srv(o);
  Client c(srv.endpoint(), 5s);

  const auto list = c.raw(body({{"v", 1}, {"id", 1}, {"op", "list"}}), 1);
  std::map<std::string, nlohmann::json> offered;
  for (const auto& s : list.at("scenarios")) {
    if (s["task"] == "twenty_questions") offered[s["name"].get<std::string>()] = s;
  }
  ASSERT_TRUE(offered.contains("small-v2")) << list.dump();
  ASSERT_TRUE(offered.contains("tiny")) << list.dump();
  EXPECT_EQ(offered["small-v2"]["hash"], scenario_file_hash(shipped).value());
  EXPECT_EQ(offered["tiny"]["hash"], offered["small-v2"]["hash"]);
  EXPECT_EQ(offered["common-v2"]["default"], true);
  EXPECT_EQ(offered["small-v2"]["default"], false);
  EXPECT_FALSE(list.dump().find(dir.string()) != std::string::npos) << "paths are never sent";

  // By name and by hash; the spec records the name.
  const auto by_name = c.make("twenty_questions-v0", {{"scenario", "small-v2"}});
  EXPECT_EQ(by_name.spec["scenario"]["hash"], offered["small-v2"]["hash"]);
  EXPECT_EQ(by_name.spec["scenario"]["name"], "small-v2");
  EXPECT_FALSE(by_name.spec["scenario"].contains("path")) << "no server path is sent";
  const auto by_hash = c.make("twenty_questions", {{"scenario", offered["common"]["hash"]}});
  EXPECT_EQ(by_hash.spec["scenario"]["hash"], offered["common"]["hash"]);
  EXPECT_EQ(by_hash.spec["scenario"]["name"], "common");
  EXPECT_EQ(c.make("twenty_questions", {{"scenario", "tiny"}}).spec["scenario"]["name"], "tiny");
  EXPECT_EQ(c.make("twenty_questions").spec["scenario"]["name"], "common-v2");
  const auto spec = c.raw(body({{"v", 1},
                                {"id", 2},
                                {"op", "spec"},
                                {"env_id", "guess_number"},
                                {"options", {{"scenario", "default"}}}}),
                          2);
  ASSERT_EQ(spec["ok"], true) << spec.dump();
  for (const auto& s : spec["scenarios"]) EXPECT_EQ(s["task"], "guess_number") << spec.dump();
  EXPECT_FALSE(spec["scenarios"].empty());

  // Paths (existing, missing, a FIFO, a secret) and other tasks' names are all refused alike.
  std::set<std::string> messages;
  for (const std::string& bad :
       {shipped, std::string("/nonexistent/x.json"), fifo, (dir / "secret.json").string(),
        std::string("../twenty_questions/small-v2.json"), std::string("base")}) {
    SCOPED_TRACE(bad);
    const auto reply = c.raw(body({{"v", 1},
                                   {"id", 3},
                                   {"op", "make"},
                                   {"env_id", "twenty_questions-v0"},
                                   {"options", {{"scenario", bad}}}}),
                             3);
    ASSERT_EQ(reply["ok"], false);
    EXPECT_EQ(reply["error"]["code"], "invalid_option");
    std::string m = reply["error"]["message"].get<std::string>();
    EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;
    EXPECT_NE(m.find("small-v2"), std::string::npos) << "lists what is offered: " << m;
    m.erase(0, m.find(": not a scenario"));  // drop the quoted value
    messages.insert(m);
  }
  EXPECT_EQ(messages.size(), 1u) << "a refusal never tells whether a path exists";
  EXPECT_EQ(c.raw(body({{"v", 1},
                        {"id", 4},
                        {"op", "make"},
                        {"env_id", "twenty_questions-v0"},
                        {"options", {{"scenario", 3}}}}),
                  4)["error"]["code"],
            "invalid_option");
  EXPECT_TRUE(c.ping());  // the FIFO was never opened: the server still answers

  // The operator's flags: a missing file, a folder that is not one, a file naming no task.
  ServerOptions bad = opts();
  bad.scenario_files = {(dir / "missing.json").string()};
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), ScenarioError);
  bad = opts();
  bad.scenario_dirs = {(dir / "missing").string()};
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  {
    std::ofstream f(dir / "notask.json");
    f << R"({"task": "nope"})";
  }
  bad = opts();
  bad.scenario_files = {(dir / "notask.json").string()};
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  // A shipped name with other content is ambiguous; the shipped file itself is no conflict.
  fs::copy_file(scenario_dir() + "/twenty_questions/small.json", dir / "small-v2.json");
  bad = opts();
  bad.scenario_files = {(dir / "small-v2.json").string()};
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  ServerOptions again = opts();
  again.scenario_dirs = {scenario_dir() + "/twenty_questions"};
  EXPECT_NO_THROW(Server(tasks::builtin_registry(), again));
  fs::remove_all(dir);
}

// Strings that are not UTF-8 are refused as malformed, wherever they are (op, options value or
// key, action text), and no reply ever carries one.
TEST(Server, TextThatIsNotUtf8IsMalformedAndNeverEchoed) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  const auto s = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  c.reset(s, 1);
  const std::string bad[] = {"fr\xffob",         "\xc3\x28", "\xed\xa0\x80",
                             "\xf4\x90\x80\x80", "\xc0\xaf", std::string("ab\xe2\x82", 4)};
  for (const auto& b : bad) {
    SCOPED_TRACE(::testing::PrintToString(b));
    ASSERT_LT(detail::utf8_valid_prefix(b), b.size());
    const std::vector<nlohmann::json> requests = {
        {{"v", 1}, {"id", 1}, {"op", b}},
        {{"v", 1}, {"id", 2}, {"op", "make"}, {"env_id", b}},
        {{"v", 1},
         {"id", 3},
         {"op", "make"},
         {"env_id", "twenty_questions-v0"},
         {"options", {{"persona", b}}}},
        {{"v", 1},
         {"id", 4},
         {"op", "make"},
         {"env_id", "twenty_questions-v0"},
         {"options", {{b, 1}}}},
        {{"v", 1}, {"id", 5}, {"op", "step"}, {"session", s}, {"action", b}},
        {{"v", 1}, {"id", 6}, {"op", "step"}, {"session", s}, {"action", {{"text", b}}}},
        {{"v", 1}, {"id", 7}, {"op", "reset"}, {"session", b}},
    };
    for (const auto& req : requests) {
      const RawReply r = parse_raw(exchange_raw(srv.endpoint(), body(req)));
      ASSERT_EQ(r.non_utf8, "") << "reply to " << req["id"] << " carries invalid UTF-8";
      EXPECT_EQ(r.json["id"], req["id"]);
      EXPECT_EQ(r.json["error"]["code"], "malformed") << r.json.dump();
      EXPECT_NE(r.json["error"]["message"].get<std::string>().find("UTF-8"), std::string::npos);
    }
  }
  // Valid UTF-8 passes, multi-byte characters included, and long client text is not echoed whole.
  EXPECT_EQ(
      c.step(s, WireAction::of_text("Is it alive? \xc3\xa9\xe2\x86\x92\xf0\x9f\x90\x9f")).obs.turn,
      1);
  const std::string long_text(1 << 20, 'x');
  const std::pair<nlohmann::json, std::string> echoes[] = {
      {{{"v", 1}, {"id", 8}, {"op", long_text}}, "unknown_op"},
      {{{"v", 1}, {"id", 9}, {"op", "reset"}, {"session", long_text}}, "unknown_session"},
      {{{"v", 1}, {"id", 10}, {"op", "make"}, {"env_id", long_text}}, "unknown_env"},
      {{{"v", 1},
        {"id", 11},
        {"op", "make"},
        {"env_id", "twenty_questions-v0"},
        {"options", {{long_text, 1}}}},
       "invalid_option"},
      {{{"v", 1},
        {"id", 12},
        {"op", "make"},
        {"env_id", "twenty_questions-v0"},
        {"options", {{"persona", long_text}}}},
       "invalid_option"},
  };
  for (const auto& [req, code] : echoes) {
    const auto reply = c.raw(body(req), req["id"].get<uint64_t>());
    EXPECT_EQ(reply["error"]["code"], code) << reply.dump().substr(0, 300);
    EXPECT_LT(reply["error"]["message"].get<std::string>().size(), 400u) << code;
  }
}

bool is_float64(const msgpack::object& o) { return o.type == msgpack::type::FLOAT64; }

// Every float goes out as a MessagePack float64, whole numbers included (msgpack-c would pack
// 0.0 as the integer 0); NaN and infinity are not options.
TEST(Server, FloatsAreAlwaysFloat64AndOptionsAreFinite) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  const auto s = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  c.reset(s, 1);
  const RawReply step = parse_raw(exchange_raw(
      srv.endpoint(), body({{"v", 1}, {"id", 1}, {"op", "step"}, {"session", s}, {"action", 0}})));
  ASSERT_EQ(step.json["ok"], true) << step.json.dump();
  ASSERT_EQ(step.json["reward"], 0.0) << "a whole-number reward, the case to check";
  const msgpack::object& root = step.handle.get();
  EXPECT_TRUE(is_float64(*find_key(root, "reward")));
  const msgpack::object& info = *find_key(root, "info");
  EXPECT_TRUE(is_float64(*find_key(info, "score")));
  const msgpack::object& reward = *find_key(info, "reward");
  for (const char* k : {"task", "interactivity", "token_cost", "total"}) {
    EXPECT_TRUE(is_float64(*find_key(reward, k))) << k;
  }
  const RawReply hello =
      parse_raw(exchange_raw(srv.endpoint(), body({{"v", 1}, {"id", 2}, {"op", "hello"}})));
  EXPECT_TRUE(is_float64(*find_key(*find_key(hello.handle.get(), "limits"), "idle_timeout_s")));
  const RawReply stats =
      parse_raw(exchange_raw(srv.endpoint(), body({{"v", 1}, {"id", 3}, {"op", "stats"}})));
  EXPECT_TRUE(is_float64(*find_key(stats.handle.get(), "uptime_s")));

  for (const double x : {std::nan(""), std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(x);
    const auto made = c.raw(body({{"v", 1},
                                  {"id", 4},
                                  {"op", "make"},
                                  {"env_id", "twenty_questions-v0"},
                                  {"options", {{"noise", x}}}}),
                            4);
    EXPECT_EQ(made["error"]["code"], "invalid_option") << made.dump();
    EXPECT_NE(made["error"]["message"].get<std::string>().find("'noise'"), std::string::npos);
    EXPECT_EQ(made["error"]["message"].get<std::string>().find("null"), std::string::npos);
    const auto reset = c.raw(
        body({{"v", 1}, {"id", 5}, {"op", "reset"}, {"session", s}, {"options", {{"noise", x}}}}),
        5);
    EXPECT_EQ(reset["error"]["code"], "invalid_option") << reset.dump();
  }
}

// The envelope (frames between the routing id and the body) is bounded in frames and bytes; a
// request beyond is answered too_large without echoing the envelope.
TEST(Server, ManyFrameRequestsAreTooLargeAndNotEchoed) {
  ServerOptions o = opts();
  o.max_message_bytes = 4096;
  Running srv(o);
  const std::string ping = body({{"v", 1}, {"id", 1}, {"op", "ping"}});
  // Within the limits: a delimiter plus a few small frames are echoed back as sent.
  std::vector<std::string> ok_frames(kMaxEnvelopeFrames, "e");
  ok_frames.front() = "";
  ok_frames.push_back(ping);
  const auto ok = exchange_frames(srv.endpoint(), ok_frames);
  ASSERT_EQ(ok.size(), ok_frames.size());
  EXPECT_EQ(parse_raw(ok.back()).json["ok"], true);
  // Too many frames; too many bytes in few frames (each under every per-frame cap).
  std::vector<std::string> many(100, "frame");
  many.front() = "";
  many.push_back(ping);
  std::vector<std::string> big = {"", std::string(3000, 'a'), std::string(3000, 'b'), ping};
  for (const auto& frames : {many, big}) {
    const auto reply = exchange_frames(srv.endpoint(), frames);
    ASSERT_EQ(reply.size(), 2u) << "the delimiter and the body only";
    EXPECT_EQ(reply[0], "");
    const RawReply r = parse_raw(reply[1]);
    EXPECT_EQ(r.json["error"]["code"], "too_large") << r.json.dump();
    EXPECT_TRUE(r.json["id"].is_null());
  }
  Client c(srv.endpoint(), 5s);
  EXPECT_TRUE(c.ping());
}

// ---- per-session reply order (issue 15) ---------------------------------------------------------

// Sends every body on one DEALER before reading, then returns the replies (decoded) in the order
// they arrived (a reply missing after 10 s ends the list).
std::vector<nlohmann::json> pipeline(const std::string& endpoint,
                                     const std::vector<std::string>& bodies) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, 10000);
  s.connect(endpoint);
  for (const auto& b : bodies) s.send(zmq::buffer(b), zmq::send_flags::none);
  std::vector<nlohmann::json> out;
  for (size_t i = 0; i < bodies.size(); ++i) {
    zmq::message_t m;
    if (!s.recv(m)) break;
    out.push_back(to_json(msgpack::unpack(static_cast<const char*>(m.data()), m.size()).get()));
  }
  return out;
}

std::vector<uint64_t> ids_of(const std::vector<nlohmann::json>& replies) {
  std::vector<uint64_t> ids;
  for (const auto& r : replies) ids.push_back(r["id"].get<uint64_t>());
  return ids;
}

nlohmann::json req(uint64_t id, const std::string& op,
                   nlohmann::json fields = nlohmann::json::object()) {
  fields["v"] = 1;
  fields["id"] = id;
  fields["op"] = op;
  return fields;
}

// On an MR session (stepped on the pool), replies about the session come in request order: also
// requests refused during their field checks, close, and requests after close.
TEST(Server, RepliesAboutOneSessionComeInRequestOrder) {
  Running srv(opts());
  Client c(srv.endpoint(), 10s);
  const auto s =
      c.make("twenty_questions-v0", {{"reward", "mr"}, {"mr_samples", 8}, {"mr_window", 8}})
          .session;
  std::vector<std::string> bodies;
  uint64_t id = 0;
  const auto add = [&](const std::string& op, nlohmann::json fields) {
    bodies.push_back(body(req(++id, op, std::move(fields))));
  };
  add("reset", {{"session", s}, {"seed", 1}});
  for (int i = 0; i < 6; ++i) add("step", {{"session", s}, {"action", "Is it an animal?"}});
  add("step", {{"session", s}, {"action", 1.5}});                    // wrong_type
  add("step", {{"session", s}});                                     // missing_field
  add("reset", {{"session", s}, {"seed", "x"}});                     // wrong_type
  add("reset", {{"session", s}, {"options", {{"noise", "loud"}}}});  // invalid_option
  add("step", {{"session", s}, {"action", 100000}});                 // invalid_action
  add("nonsense", {{"session", s}});                                 // unknown_op
  bodies.push_back(body({{"v", 2}, {"id", ++id}, {"session", s}}));  // bad_version
  add("step_many", {{"steps", {{{"session", s}, {"action", 0}}}}});
  add("fork", {{"session", s}});
  add("step", {{"session", s}, {"action", 2}});
  add("close", {{"session", s}});
  add("step", {{"session", s}, {"action", 3}});  // unknown_session
  add("close", {{"session", s}});                // unknown_session
  const auto replies = pipeline(srv.endpoint(), bodies);
  ASSERT_EQ(replies.size(), bodies.size());
  std::vector<uint64_t> want(bodies.size());
  std::iota(want.begin(), want.end(), 1);
  EXPECT_EQ(ids_of(replies), want);
  EXPECT_EQ(replies[1]["ok"], true) << replies[1].dump();
  EXPECT_EQ(replies[7]["error"]["code"], "wrong_type");
  EXPECT_EQ(replies[11]["error"]["code"], "invalid_action");
  EXPECT_EQ(replies[12]["error"]["code"], "unknown_op");
  EXPECT_EQ(replies[13]["error"]["code"], "bad_version");
  EXPECT_EQ(replies[14]["results"].size(), 1u);
  EXPECT_EQ(replies[15]["ok"], true) << "fork";
  EXPECT_EQ(replies[17]["ok"], true) << "close";
  EXPECT_EQ(replies[18]["error"]["code"], "unknown_session");
  EXPECT_EQ(replies[19]["error"]["code"], "unknown_session");
}

// A step_many reply holds results about several sessions: a later request about any of them is
// answered after it, also when that session is cheap (stepped on the I/O thread).
TEST(Server, StepManyRepliesComeBeforeLaterRepliesAboutTheirSessions) {
  Running srv(opts());
  Client c(srv.endpoint(), 10s);
  const auto slow =
      c.make("twenty_questions-v0", {{"reward", "mr"}, {"mr_samples", 16}, {"mr_window", 16}})
          .session;
  const auto fast = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  c.reset(slow, 1);
  c.reset(fast, 1);
  const auto replies = pipeline(
      srv.endpoint(),
      {body(req(
           1, "step_many",
           {{"steps", {{{"session", slow}, {"action", 0}}, {{"session", fast}, {"action", 0}}}}})),
       body(req(2, "step", {{"session", fast}, {"action", 1}})),
       body(req(3, "step", {{"session", fast}, {"action", -1}})),
       body(req(4, "close", {{"session", fast}}))});
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(ids_of(replies), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(replies[1]["ok"], true);
  EXPECT_EQ(replies[2]["ok"], false);
}

// NaN and infinity are refused at any depth of an option's value, as at the top level.
TEST(Server, NonFiniteNumbersInsideOptionValuesAreInvalid) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  const auto s = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto& value : {nlohmann::json::array({1.0, nan}), nlohmann::json{{"a", {{"b", -inf}}}},
                            nlohmann::json::array({nlohmann::json::array({inf})})}) {
    SCOPED_TRACE(value.dump());
    const auto made =
        c.raw(body(req(1, "make",
                       {{"env_id", "twenty_questions-v0"}, {"options", {{"weights", value}}}})),
              1);
    EXPECT_EQ(made["error"]["code"], "invalid_option") << made.dump();
    EXPECT_NE(made["error"]["message"].get<std::string>().find("'weights'"), std::string::npos);
    EXPECT_NE(made["error"]["message"].get<std::string>().find("expected a finite number"),
              std::string::npos)
        << "refused for the number, before the option layer looks at the name";
    const auto reset =
        c.raw(body(req(2, "reset", {{"session", s}, {"options", {{"weights", value}}}})), 2);
    EXPECT_EQ(reset["error"]["code"], "invalid_option") << reset.dump();
  }
  // Finite nested numbers reach the option layer, which judges the option itself.
  const auto finite =
      c.raw(body(req(3, "make",
                     {{"env_id", "twenty_questions-v0"}, {"options", {{"weights", {1.0, 2.0}}}}})),
            3);
  EXPECT_EQ(finite["error"]["code"], "invalid_option");
  EXPECT_EQ(finite["error"]["message"].get<std::string>().find("finite"), std::string::npos);
}

// Tasks load on the worker pool, never on the I/O thread; an offered file that changed (or stopped
// being a regular file) since startup is refused without quoting it, and `scenario: nil` is the
// task's default.
TEST(Server, OfferedScenariosLoadOffTheIoThreadAndMustNotChange) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("collabgym-load-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string shipped = scenario_dir() + "/twenty_questions/small-v2.json";
  fs::copy_file(shipped, dir / "kept.json", fs::copy_options::overwrite_existing);
  fs::copy_file(shipped, dir / "edited.json", fs::copy_options::overwrite_existing);
  fs::copy_file(shipped, dir / "piped.json", fs::copy_options::overwrite_existing);
  ServerOptions o = opts();
  o.scenario_dirs = {dir.string()};
  Running srv(o);
  {
    std::ofstream(dir / "edited.json", std::ios::app) << "\n  SECRET-CONTENT\n";
    fs::remove(dir / "piped.json");
    ASSERT_EQ(mkfifo((dir / "piped.json").c_str(), 0600), 0);
  }
  Client c(srv.endpoint(), 10s);
  EXPECT_NO_THROW(c.make("twenty_questions-v0", {{"scenario", "kept"}}));
  for (const char* name : {"edited", "piped"}) {
    SCOPED_TRACE(name);
    const auto r =
        c.raw(body(req(1, "make",
                       {{"env_id", "twenty_questions-v0"}, {"options", {{"scenario", name}}}})),
              1);
    EXPECT_EQ(r["error"]["code"], "invalid_option") << r.dump();
    const std::string message = r["error"]["message"].get<std::string>();
    EXPECT_EQ(message.find("SECRET"), std::string::npos);
    EXPECT_EQ(message.find(dir.string()), std::string::npos) << "no server path";
  }
  const auto nil =
      c.raw(body(req(2, "make",
                     {{"env_id", "twenty_questions-v0"}, {"options", {{"scenario", nullptr}}}})),
            2);
  EXPECT_EQ(nil["ok"], true) << nil.dump();
  EXPECT_TRUE(c.ping());
  fs::remove_all(dir);
}

// ---- CURVE (issue 15) ---------------------------------------------------------------------------

// With --curve-secret/--curve-allow, a client whose key is allowed plays normally; one with another
// key, or without CURVE, gets no session and a clear error.
TEST(Server, CurveAdmitsAllowedKeysOnly) {
  if (!curve_available()) {
    GTEST_SKIP() << "this libzmq has no CURVE support (zmq_has(\"curve\") is false)";
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("collabgym-curve-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const CurveKeyPair server_keys = write_curve_keypair((dir / "server").string());
  write_curve_keypair((dir / "allowed" / "alice").string());
  write_curve_keypair((dir / "mallory").string());
  EXPECT_EQ(read_curve_key((dir / "server.key").string()), server_keys.public_key);
  EXPECT_EQ(fs::status(dir / "server.key_secret").permissions() & fs::perms::group_read,
            fs::perms::none);
  EXPECT_THROW(write_curve_keypair((dir / "server").string()), RemoteError) << "no overwrite";

  ServerOptions o = opts();
  o.curve_secret_file = (dir / "server.key_secret").string();
  o.curve_allow_dir = (dir / "allowed").string();
  Running srv(o);
  const std::string server_pub = (dir / "server.key").string();

  Client alice(
      srv.endpoint(), 10s,
      CurveClientKeys::from_files(server_pub, (dir / "allowed" / "alice.key_secret").string()));
  const auto s = alice.make("twenty_questions-v0").session;
  EXPECT_EQ(alice.reset(s, 1).seed, 1u);
  EXPECT_EQ(alice.step(s, WireAction::of_act(0)).obs.turn, 1);

  Client mallory(srv.endpoint(), 1s,
                 CurveClientKeys::from_files(server_pub, (dir / "mallory.key_secret").string()));
  std::string message;
  try {
    mallory.make("twenty_questions-v0");
    ADD_FAILURE() << "a client with a key that is not allowed made a session";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.code(), "unauthorized") << e.what();
    message = e.what();
  }
  EXPECT_NE(message.find("--curve-allow"), std::string::npos) << message;
  Client plain(srv.endpoint(), 1s);
  EXPECT_EQ(code_of([&] { plain.make("twenty_questions-v0"); }), "timeout");
  const auto stats = alice.stats();
  EXPECT_EQ(stats["sessions"], 1) << "only alice's";
  EXPECT_GE(stats["refused_clients"].get<int>(), 1);

  // CURVE makes a non-loopback bind acceptable without --allow-remote; a bad key file is refused.
  ServerOptions remote = o;
  remote.binds = {"tcp://0.0.0.0:0"};
  EXPECT_NO_THROW(Server(tasks::builtin_registry(), remote));
  ServerOptions bad = o;
  bad.curve_secret_file = (dir / "allowed").string();
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  bad = o;
  bad.curve_allow_dir.clear();
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  fs::remove_all(dir);
}

// The decoder's container limits (docs/protocol.md "Limits"), each at its edge: a request whose
// ignored extra field holds exactly the limit decodes; one more element is malformed, and the
// message names the limit. `steps` never comes near them (max_batch).
TEST(Server, DecoderContainerLimitsAreExactAndNamed) {
  enum class Kind { kArray, kMap, kDepth };
  const auto request = [](Kind kind, uint32_t n) {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(buf);
    pk.pack_map(4);
    pk.pack("v");
    pk.pack(1);
    pk.pack("id");
    pk.pack(7);
    pk.pack("op");
    pk.pack("ping");
    pk.pack("pad");
    if (kind == Kind::kArray) {
      pk.pack_array(n);
      for (uint32_t i = 0; i < n; ++i) pk.pack_nil();
    } else if (kind == Kind::kMap) {
      pk.pack_map(n);
      for (uint32_t i = 0; i < n; ++i) {
        pk.pack(i);
        pk.pack_nil();
      }
    } else {  // n levels in all, the body's map being level 1
      for (uint32_t i = 1; i < n; ++i) pk.pack_array(1);
      pk.pack_nil();
    }
    return std::string(buf.data(), buf.size());
  };
  const auto outcome = [](const std::string& bytes) -> std::string {
    try {
      (void)detail::decode_request(bytes, 64u << 20);
      return "ok";
    } catch (const detail::RequestError& e) {
      return std::string(to_string(e.code)) + ": " + e.message;
    }
  };
  EXPECT_EQ(outcome(request(Kind::kArray, kMaxArrayItems)), "ok");
  EXPECT_EQ(outcome(request(Kind::kMap, kMaxMapEntries)), "ok");
  EXPECT_EQ(outcome(request(Kind::kDepth, kMaxDepth)), "ok");
  const std::string array = outcome(request(Kind::kArray, kMaxArrayItems + 1));
  const std::string map = outcome(request(Kind::kMap, kMaxMapEntries + 1));
  const std::string deep = outcome(request(Kind::kDepth, kMaxDepth + 1));
  EXPECT_EQ(array.rfind("malformed: ", 0), 0u) << array;
  EXPECT_NE(array.find(std::to_string(kMaxArrayItems)), std::string::npos) << array;
  EXPECT_EQ(map.rfind("malformed: ", 0), 0u) << map;
  EXPECT_NE(map.find(std::to_string(kMaxMapEntries)), std::string::npos) << map;
  EXPECT_EQ(deep.rfind("malformed: ", 0), 0u) << deep;
  EXPECT_NE(deep.find(std::to_string(kMaxDepth)), std::string::npos) << deep;
}

}  // namespace
}  // namespace collab::bridge
