"""`llm:` agents end to end (ctest llm.agents): collabgym against a fake OpenAI-compatible server.

  COLLABGYM_BIN=build/cli/collabgym /usr/bin/python3 tests/llm/llm_agents_test.py

Checks, each failing with what differed:
  * every registered task plays with `run --agent llm:URL`: no failed episode, and the model was
    sent the spec's instructions as the system message and the user's opening as the first turn;
  * a leaderboard with an llm: agent beside built-ins, recorded into --agent-cache, then replayed
    with the server stopped: every output file byte-identical, `--verify` passes; a replay that
    needs an entry the cache lacks fails naming it;
  * timeouts, HTTP errors, bodies that are not JSON, replies without choices and empty messages
    each become a counted failure of every episode (exit 0), never a crash or a hang; retries
    recover from a flaky server;
  * an API key named by key_env reaches the server and nothing else (output, traces, cache);
  * bad specs are usage errors (exit 2) naming the bad part.
"""

import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("COLLABGYM_BIN", "build/cli/collabgym")
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def collabgym(*args, env=None, timeout=300):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout,
                          env=full_env)


class FakeServer:
    def __init__(self, workdir):
        self.log = os.path.join(workdir, "requests.jsonl")
        port_file = os.path.join(workdir, "port")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fake_openai.py"), "--port", "0", "--port-file",
             port_file, "--log", self.log], stdout=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def test_every_task_plays(server):
    ids = json.loads(collabgym("list", "--json").stdout)
    check(len(ids) >= 5, f"collabgym list gave {len(ids)} ids")
    for entry in ids:
        task = entry["id"]
        before = len(server.requests())
        r = collabgym("run", "-t", task, "-a", f"llm:{server.url}", "-n", "2", "--reward",
                      "terminal", "--json")
        if not check(r.returncode == 0, f"{task}: run exited {r.returncode}: {r.stderr[-400:]}"):
            continue
        out = json.loads(r.stdout)
        check(out["episodes"] == 2 and out["failures"] == 0,
              f"{task}: {out['failures']} of {out['episodes']} episodes failed")
        check(out["mean_turns"] >= 1, f"{task}: no turn was played")
        sent = server.requests()[before:]
        check(len(sent) >= 2, f"{task}: the model got {len(sent)} requests")
        if not sent:
            continue
        spec = json.loads(collabgym("spec", task).stdout)
        first = sent[0]["request"]["messages"]
        check(first[0] == {"role": "system", "content": spec["instructions"]},
              f"{task}: the system message is not the spec's instructions: {first[0]}")
        check(len(first) == 2 and first[1]["role"] == "user" and first[1]["content"],
              f"{task}: the first request is not [system, user opening]: {first}")
        last = sent[-1]["request"]["messages"]
        roles = [m["role"] for m in last]
        check(roles[1:] == ["user", "assistant"] * ((len(roles) - 2) // 2) + ["user"],
              f"{task}: the roles do not alternate: {roles}")
        check(sent[0]["request"]["temperature"] == 0 and sent[0]["request"]["max_tokens"] > 0,
              f"{task}: request fields {sent[0]['request']}")


def test_leaderboard_record_replay(server, work):
    cache = os.path.join(work, "agents.jsonl")
    agents = f"random,expert,llm:{server.url}?model=play"
    common = ["leaderboard", "--tasks", "all", "--agents", agents, "-n", "3", "--seeds", "1",
              "--reward", "terminal"]
    rec = collabgym(*common, "--jobs", "2", "--agent-cache", cache, "--out",
                    os.path.join(work, "recorded"), "--json")
    check(rec.returncode == 0, f"recording leaderboard exited {rec.returncode}: {rec.stderr[-600:]}")
    check(os.path.getsize(cache) > 0, "the agent cache is empty after recording")
    server.stop()
    rep = collabgym(*common, "--jobs", "1", "--agent-cache", cache, "--agent-cache-mode", "replay",
                    "--out", os.path.join(work, "replayed"), "--json")
    check(rep.returncode == 0, f"replayed leaderboard exited {rep.returncode}: {rep.stderr[-600:]}")
    check(rec.stdout == rep.stdout, "the replayed leaderboard's summary differs")
    a, b = os.path.join(work, "recorded"), os.path.join(work, "replayed")
    files = []
    for root, _, names in os.walk(a):
        files += [os.path.relpath(os.path.join(root, n), a) for n in names]
    check(any(f.startswith("traces") for f in files), f"no traces written: {files}")
    for f in sorted(files):
        check(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False),
              f"leaderboard file {f} differs between record and replay")
    results = json.load(open(os.path.join(a, "results.json")))
    check("llm:" in json.dumps(results["config"]), "results.json does not name the llm agent")
    v = collabgym("leaderboard", "--verify", b)
    check(v.returncode == 0, f"--verify of the replayed run: {v.stdout[-400:]}{v.stderr[-400:]}")
    miss = collabgym(*common, "--seed", "500", "--agent-cache", cache, "--agent-cache-mode",
                     "replay", "--out", os.path.join(work, "miss"))
    check(miss.returncode == 1 and "no entry for request" in miss.stderr and "turn 1" in miss.stderr,
          f"a replay miss: exit {miss.returncode}, {miss.stderr[-400:]}")
    nofile = collabgym("run", "-t", "guess_number", "-a", f"llm:{server.url}", "-n", "1",
                       "--agent-cache", os.path.join(work, "none.jsonl"), "--agent-cache-mode",
                       "replay")
    check(nofile.returncode == 1 and "cannot be read" in nofile.stderr,
          f"replay of a missing cache: exit {nofile.returncode}: {nofile.stderr[-300:]}")


def test_failures_are_counted(server):
    cases = {
        "slow": "timeout=0.5&retries=0",
        "http500": "retries=1",
        "http404": "",
        "badjson": "",
        "nochoices": "",
        "empty": "",
    }
    for model, extra in cases.items():
        spec = f"llm:{server.url}?model={model}" + (f"&{extra}" if extra else "")
        t0 = time.time()
        r = collabgym("run", "-t", "math_qa", "-a", spec, "-n", "2", "--json", timeout=60)
        took = time.time() - t0
        if not check(r.returncode == 0, f"{model}: run exited {r.returncode}: {r.stderr[-300:]}"):
            continue
        out = json.loads(r.stdout)
        check(out["failures"] == 2 and out["success_rate"] == 0,
              f"{model}: {out['failures']} failures of 2 episodes")
        check(f'"failures":{{' in r.stderr.replace(" ", ""),
              f"{model}: the llm counters were not reported: {r.stderr[-300:]}")
        if model == "slow":
            check(took < 8, f"slow: two timed-out episodes took {took:.1f} s (timeout 0.5 s)")
    # A failure is recorded like an answer: its replay fails the same episodes the same way.
    cache = os.path.join(os.path.dirname(server.log), "failures.jsonl")
    runs = [collabgym("run", "-t", "math_qa", "-a", f"llm:{server.url}?model=badjson", "-n", "2",
                      "--json", "--trace", cache + f".{mode}.trace", "--agent-cache", cache,
                      "--agent-cache-mode", mode) for mode in ("record", "replay")]
    check(all(r.returncode == 0 for r in runs) and runs[0].stdout == runs[1].stdout and
          json.loads(runs[1].stdout)["failures"] == 2,
          f"a recorded failure does not replay as the same failure: {runs[1].stdout[-300:]}")
    r = collabgym("run", "-t", "math_qa", "-a", f"llm:{server.url}?model=flaky&retries=2", "-n",
                  "2", "--json")
    check(r.returncode == 0 and json.loads(r.stdout)["failures"] == 0,
          f"flaky: retries did not recover: {r.stdout[-300:]} {r.stderr[-300:]}")
    check('"retries":' in r.stderr and '"retries":0' not in r.stderr.replace(" ", ""),
          f"flaky: no retry counted: {r.stderr[-300:]}")
    play = collabgym("play", "math_qa", "--seed", "3", "--agent", f"llm:{server.url}")
    check(play.returncode == 0 and "agent> The answer is" in play.stdout and "summary" in play.stdout,
          f"play --agent llm: exit {play.returncode}: {play.stdout[-300:]}")


def test_key_and_bad_specs(server, work):
    cache = os.path.join(work, "keyed.jsonl")
    trace = os.path.join(work, "keyed.trace.jsonl")
    secret = "sk-test-0123456789abcdef"
    r = collabgym("run", "-t", "guess_number", "-a", f"llm:{server.url}?key_env=FAKE_LLM_KEY",
                  "-n", "1", "--agent-cache", cache, "--trace", trace,
                  env={"FAKE_LLM_KEY": secret})
    check(r.returncode == 0, f"key_env run exited {r.returncode}: {r.stderr[-300:]}")
    sent = [e for e in server.requests() if e["authorization"]]
    check(sent and sent[-1]["authorization"] == f"Bearer {secret}",
          f"the key did not reach the server: {sent[-1:]}")
    for path in (cache, trace):
        check(secret not in open(path).read(), f"the API key appears in {path}")
    check(secret not in r.stdout + r.stderr, "the API key appears in the output")
    unset = collabgym("run", "-t", "guess_number", "-a", f"llm:{server.url}?key_env=NO_SUCH_VAR_X",
                      "-n", "1")
    check(unset.returncode == 2 and "NO_SUCH_VAR_X" in unset.stderr,
          f"an unset key_env: exit {unset.returncode}: {unset.stderr[-200:]}")
    for spec, expect in [("llm:ftp://host/v1", "http(s)://"), ("llm:http:///v1", "http(s)://"),
                         (f"llm:{server.url}?modle=x", "unknown key 'modle'"),
                         (f"llm:{server.url}?temperature=3", "temperature=3"),
                         (f"llm:{server.url}?timeout=0", "timeout=0"),
                         (f"llm:{server.url}?max_tokens=ten", "max_tokens=ten"),
                         (f"llm:{server.url}?model=a&model=b", "given twice"),
                         (f"llm:{server.url}?key_env=sk-abc!", "environment variable")]:
        r = collabgym("run", "-t", "guess_number", "-a", spec, "-n", "1")
        check(r.returncode == 2 and expect in r.stderr,
              f"{spec}: exit {r.returncode}, expected exit 2 naming '{expect}': {r.stderr[-300:]}")
    r = collabgym("run", "-t", "guess_number", "-a", "random", "--agent-cache-mode", "replay")
    check(r.returncode == 2 and "--agent-cache" in r.stderr,
          f"--agent-cache-mode replay without a file: exit {r.returncode}: {r.stderr[-200:]}")


def test_rollouts_by_the_model(server, work):
    """MR futures played by the model itself (--rollout-policy llm:…): every future turn is a
    request carrying the future's conversation, recorded in the agent cache and replayed without
    the model; a model that fails gives counted fallbacks."""
    cache = os.path.join(work, "rollouts.jsonl")
    before = len(server.requests())
    outs = []
    for mode in ("record", "replay"):
        trace = os.path.join(work, f"rollouts.{mode}.trace.jsonl")
        r = collabgym("run", "-t", "grocery", "-a", f"llm:{server.url}", "-n", "2", "--seed", "4",
                      "--reward", "mr", "--mr-samples", "2", "--rollout-policy",
                      f"llm:{server.url}?temperature=0.7", "--json", "--trace", trace,
                      "--agent-cache", cache, "--agent-cache-mode", mode)
        check(r.returncode == 0, f"rollouts ({mode}): exit {r.returncode}: {r.stderr[-400:]}")
        outs.append((r.stdout, open(trace).read()))
        if mode == "record":
            rollouts = [e for e in server.requests()[before:]
                        if e["request"].get("temperature") == 0.7]
            check(len(rollouts) > 0, "no rollout request reached the model")
            # A future's request is a whole conversation: instructions, then user first.
            check(all(e["request"]["messages"][0]["role"] == "system" and
                      e["request"]["messages"][-1]["role"] == "user" for e in rollouts),
                      "a rollout request is not the future's conversation")
            check(len({e["request"]["seed"] for e in rollouts}) > 1,
                  "the futures did not get their own seeds")
            server_count = len(server.requests())
    check(outs[0] == outs[1], "the replayed MR run with model futures differs from the recording")
    check(len(server.requests()) == server_count, "the replay called the model")
    turns = [json.loads(line) for line in outs[0][1].splitlines()]
    calls = [t["info"]["reward"]["rollout_calls"] for t in turns
             if t.get("who") == "user" and t["turn"] > 0 and not (t["terminated"] or t["truncated"])]
    check(calls and all(c > 0 for c in calls), f"rollout_calls missing from the trace: {calls}")
    r = collabgym("run", "-t", "math_qa", "-a", "random", "-n", "1", "--reward", "mr",
                  "--rollout-policy", f"llm:{server.url}?model=http404", "--trace",
                  os.path.join(work, "fallback.jsonl"))
    turns = [json.loads(line) for line in open(os.path.join(work, "fallback.jsonl"))]
    fb = [t["info"]["reward"] for t in turns if t.get("who") == "user" and t["turn"] > 0]
    check(r.returncode == 0 and any(x["rollout_fallbacks"] > 0 for x in fb) and
          all(x["rollout_fallbacks"] == x["rollout_calls"] for x in fb),
          f"a failing rollout model: exit {r.returncode}, {fb[:2]} {r.stderr[-300:]}")


def main():
    with tempfile.TemporaryDirectory() as work:
        server = FakeServer(work)
        try:
            test_every_task_plays(server)
            test_failures_are_counted(server)
            test_key_and_bad_specs(server, work)
            test_rollouts_by_the_model(server, work)
            test_leaderboard_record_replay(server, work)  # stops the server
        finally:
            if server.proc.poll() is None:
                server.stop()
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
    assert not FAILURES, "\n".join(FAILURES)
    print("llm agents: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
