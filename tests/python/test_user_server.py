"""collabgym.serve_user: the user endpoint protocol (docs/protocol.md, "User endpoints"), a Python
user in real ``collabgym run``/``play``/``replay`` runs (record, then replay with the user stopped),
and the LLM user example against a local fake chat-completions server."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

import collabgym
from conftest import _binary, request, thread_servers

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "bridge" / "python" / "examples"))
import llm_user  # noqa: E402


def collabgym_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    binary = _binary()
    if not binary.exists():
        pytest.skip(f"{binary} not built (set COLLABGYM_BIN)")
    probe = subprocess.run([str(binary), "run", "--help"], capture_output=True, text=True,
                           timeout=10)
    if "--user" not in probe.stdout:
        pytest.skip(f"{binary} has no --user flag")
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=120,
                          input=stdin)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Starts serve_user(fn) on a thread; returns (endpoint, stop). Stopped at the end."""
    with thread_servers(collabgym.serve_user, tmp_path, "user") as start:
        yield start


def turn_request(**extra: Any) -> Dict[str, Any]:
    req = {"v": 1, "id": 1, "op": "turn", "task": "guess_number-v0", "persona": "", "goal": "42",
           "acts": ["a", "b"], "turn": 1, "dialogue": [{"who": "user", "text": "Hi"}],
           "agent_text": "Is it 42?", "reads": True,
           "rule": {"reading": {"act": "a", "content": None}, "reply": "Yes."}}
    req.update(extra)
    return req


def test_protocol_answers_and_errors(serve: Callable[..., Any]) -> None:
    answers = iter([None, "Yep!", {"reply": "Sure.", "reading": {"act": "b"}},
                    {"reply": "x", "reading": {"act": "b"}}, 3.5, {"mood": "good"}])

    def user(req: Dict[str, Any]) -> Any:
        return next(answers)

    ep, _ = serve(user, name="tester")
    hello = request(ep, {"v": 1, "id": 1, "op": "hello"})
    assert hello["ok"] and hello["name"] == "tester"
    assert hello["user_protocol"] == collabgym.USER_PROTOCOL == 1
    r = request(ep, turn_request())
    assert r["ok"] and "reply" not in r and "reading" not in r
    assert request(ep, turn_request())["reply"] == "Yep!"
    r = request(ep, turn_request())
    assert r["reply"] == "Sure." and r["reading"] == {"act": "b"}
    # A phrase request takes a reply only: the reading is settled by then.
    r = request(ep, turn_request(op="phrase"))
    assert r["reply"] == "x" and "reading" not in r
    # What the function returns must be None, a str or {reply?, reading?}.
    assert request(ep, turn_request())["error"]["code"] == "user_error"
    bad = request(ep, turn_request())
    assert bad["error"]["code"] == "user_error" and "mood" in bad["error"]["message"]
    assert request(ep, None, raw=b"\xc1")["error"]["code"] == "malformed"
    assert request(ep, {"v": 2, "id": 1, "op": "hello"})["error"]["code"] == "bad_version"
    assert request(ep, {"v": 1, "id": 1, "op": "act"})["error"]["code"] == "unknown_op"


def test_record_then_replay_with_the_user_stopped(serve: Callable[..., Any],
                                                  tmp_path: Path) -> None:
    seen: List[Dict[str, Any]] = []

    def rephrase(req: Dict[str, Any]) -> str:
        seen.append(req)
        return f"(turn {req['turn']}) {req['rule']['reply']}"

    ep, stop = serve(rephrase)
    cache, trace = tmp_path / "user.jsonl", tmp_path / "run.jsonl"
    common = ["run", "--task", "twenty_questions", "--agent", "expert", "-n", "3",
              "--reward", "terminal", "--json"]
    r = collabgym_cli(*common, "--trace", str(trace), "--user", f"sim={ep}",
                      "--user-cache", str(cache))
    assert r.returncode == 0, r.stderr
    assert seen, "the user was never called"
    # The expert chooses acts: the user is asked to phrase, never to read.
    assert all(req["reads"] is False for req in seen)
    assert all(req["goal"] and req["persona"] for req in seen)
    lines = [json.loads(x) for x in trace.read_text().splitlines()]
    assert lines[0]["options"]["user"] == "sim"
    replies = [x for x in lines if x.get("who") == "user" and x["turn"] > 0]
    assert replies and all(x["text"].startswith("(turn ") for x in replies)
    assert all(x["info"]["user"]["reply"] == "external" for x in replies)
    entries = cache.read_text().splitlines()
    assert len(entries) == len(seen)
    first = json.loads(r.stdout)

    stop()  # nothing listens any more: replay must not need it
    calls = len(seen)
    trace2 = tmp_path / "replayed.jsonl"
    r2 = collabgym_cli(*common, "--trace", str(trace2), "--user", f"sim={ep}",
                       "--user-cache", str(cache), "--user-cache-mode", "replay")
    assert r2.returncode == 0, r2.stderr
    assert trace2.read_bytes() == trace.read_bytes()
    assert json.loads(r2.stdout) == first
    assert len(seen) == calls
    rp = collabgym_cli("replay", str(trace), "--user", f"sim={ep}", "--user-cache", str(cache))
    assert rp.returncode == 0, rp.stdout + rp.stderr
    # Replaying without the user's cache names the user the trace needs.
    missing = collabgym_cli("replay", str(trace))
    assert missing.returncode != 0 and "sim" in missing.stdout + missing.stderr
    # A run the cache does not cover fails loudly, naming what is missing.
    r3 = collabgym_cli(*common, "--seed", "1000", "--user", f"sim={ep}", "--user-cache",
                       str(cache), "--user-cache-mode", "replay")
    assert r3.returncode != 0 and "no entry for request" in r3.stderr


def test_free_text_is_read_by_the_external_user(serve: Callable[..., Any]) -> None:
    """In `collabgym play` a person types free text: the external user reads it; its reading
    happens, and it phrases the rule-based user's answer to that reading."""
    def reader(req: Dict[str, Any]) -> Any:
        if req["op"] == "turn":
            assert req["reads"] is True
            return {"reading": {"act": "ask:alive"}, "reply": "draft"}
        return "PHRASED: " + req["rule"]["reply"]

    ep, _ = serve(reader)
    r = collabgym_cli("play", "twenty_questions", "--seed", "3", "--user", ep,
                      stdin="What colour is the sky?\n:quit\n")
    assert r.returncode == 0, r.stderr
    assert "user> PHRASED: " in r.stdout


def test_a_dead_or_wrong_user_falls_back_and_the_run_completes(tmp_path: Path) -> None:
    ep = f"ipc://{tmp_path}/nobody.sock"
    trace = tmp_path / "t.jsonl"
    r = collabgym_cli("run", "--task", "guess_number", "--agent", "expert", "-n", "2",
                      "--reward", "terminal", "--trace", str(trace),
                      "--user", f"{ep}?timeout=0.2")
    assert r.returncode == 0, r.stderr
    users = [json.loads(x)["info"]["user"] for x in trace.read_text().splitlines()
             if '"who":"user"' in x and '"info"' in x]
    # Nothing listens: each request fails at once or times out, and the rule-based user answers.
    assert users and all(u["fallback"].startswith(f"user {ep}: turn: ") for u in users)
    assert all(u["reply"] == "rule" for u in users)
    assert '"timeouts":' in r.stderr
    bad = collabgym_cli("run", "--task", "guess_number", "--agent", "expert", "--user",
                        "not-an-endpoint")
    assert bad.returncode == 2 and "not-an-endpoint" in bad.stderr


class FakeChat(http.server.BaseHTTPRequestHandler):
    """A chat-completions endpoint that records each request and answers from a script."""

    requests: List[Dict[str, Any]] = []
    answer = "Yes, it is."

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.requests.append({"body": body, "auth": self.headers.get("Authorization")})
        content = FakeChat.answer
        if body["messages"][-1]["content"].startswith("Which one of these acts"):
            content = json.dumps({"act": "ask:alive"})
        payload = json.dumps({"choices": [{"message": {"role": "assistant",
                                                       "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_chat() -> Iterator[str]:
    FakeChat.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
    server.shutdown()
    thread.join(5)


def test_llm_user_example_prompts_with_persona_and_goal(fake_chat: str) -> None:
    user = llm_user.make_user(fake_chat, "tiny-model", timeout=5, read=True, api_key="k123")
    req = turn_request(task="twenty_questions-v2", persona="terse", goal="a red apple",
                       agent_text="Is it alive?", acts=["ask:alive", "guess:apple"])
    answer = user(req)
    assert answer == {"reading": {"act": "ask:alive"}, "reply": "Yes, it is."}
    assert len(FakeChat.requests) == 2  # the reading, then the phrasing
    sent = FakeChat.requests[1]
    assert sent["auth"] == "Bearer k123" and sent["body"]["model"] == "tiny-model"
    system = sent["body"]["messages"][0]["content"]
    assert "terse" in system and "a red apple" in system
    assert "Never reveal a fact" in system
    assert sent["body"]["messages"][-1]["content"].startswith("Reference reply (facts to convey): Yes.")
    # The dialogue is replayed from the user's side: its own messages are the assistant's turns.
    assert sent["body"]["messages"][1] == {"role": "assistant", "content": "Hi"}
    # Without --read, and for phrase requests, only the phrasing is asked for.
    FakeChat.requests = []
    plain = llm_user.make_user(fake_chat, "tiny-model", timeout=5, read=False)
    assert plain(turn_request(op="phrase")) == {"reply": "Yes, it is."}
    assert len(FakeChat.requests) == 1


def test_llm_user_example_http_errors_become_error_replies(serve: Callable[..., Any],
                                                          tmp_path: Path) -> None:
    user = llm_user.make_user("http://127.0.0.1:9/nothing-listens", "m", timeout=1, read=False)
    ep, _ = serve(user)
    err = request(ep, turn_request())
    assert err["ok"] is False and err["error"]["code"] == "user_error"


def test_a_served_environment_uses_the_user_the_operator_offers(serve: Callable[..., Any],
                                                                tmp_path: Path) -> None:
    """`collabgym serve --user NAME=ENDPOINT`: a client picks the user by NAME (never an
    endpoint); info reports both readings; an unknown name lists what is offered."""
    import conftest

    def reader(req: Dict[str, Any]) -> Any:
        if req["op"] == "turn":
            return {"reading": {"act": "ask:alive"}, "reply": "draft"}
        return "PHRASED: " + req["rule"]["reply"]

    ep, _ = serve(reader)
    srv = conftest.start_server(str(tmp_path), "with-user", extra=["--user", f"llm={ep}"])
    try:
        with collabgym.make("twenty_questions", endpoint=srv.endpoint, reward="terminal",
                            user="llm") as env:
            env.reset(seed=3)
            obs, reward, terminated, truncated, info = env.step("What colour is the sky?")
            assert obs["text"].startswith("PHRASED: ")
            assert info["user"]["model"] == "llm"
            assert info["user"]["reading"] == "external"
            assert info["user"]["external_act"] == "ask:alive"
            assert info["act"] == "ask:alive"
            assert info["reward"]["user_calls"] == 2
        with collabgym.Client(srv.endpoint) as c:
            stats = c.stats()
        assert stats["user_calls"] == 2 and stats["user_fallbacks"] == 0
        with pytest.raises(collabgym.InvalidOption, match="llm"):
            collabgym.make("twenty_questions", endpoint=srv.endpoint, user=ep)
    finally:
        assert srv.stop() == 0
