"""Chat messages and task instructions on the client (docs/llm-agents.md): what an LLM agent is
handed, built from replies alone, for CollabGymEnv and VectorEnv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import collabgym
from conftest import FAST, REPO_ROOT

TASKS = ["twenty_questions", "grocery", "doc_edit", "math_qa", "guess_number"]


@pytest.mark.parametrize("task", TASKS)
def test_env_messages_follow_the_conversation(server: Any, task: str) -> None:
    with collabgym.make(task, endpoint=server.endpoint, **FAST) as env:
        text = env.instructions
        assert len(text) > 80 and text == env.collab_spec["instructions"]
        obs, _ = env.reset(seed=5)
        assert env.messages() == [{"role": "system", "content": text},
                                  {"role": "user", "content": obs["text"]}]
        said = ["hello there", 0]  # free text, then an act index (rendered by the task)
        for action in said:
            obs, _, term, trunc, info = env.step(action)
            if term or trunc:
                break
        msgs = env.messages()
        assert [m["role"] for m in msgs][:4] == ["system", "user", "assistant", "user"]
        assert msgs[2]["content"] == "hello there"
        assert msgs[-1] == {"role": "user", "content": obs["text"]}
        if len(msgs) >= 6:  # the act index appears as the text the task rendered for it
            assert msgs[4]["content"] == info["agent_text"] and msgs[4]["content"]
        msgs.append({"role": "user", "content": "mutating the copy"})
        assert env.messages()[-1]["content"] == obs["text"]
        env.reset(seed=6)
        assert len(env.messages()) == 2  # a new episode starts over


def test_vector_messages_match_single_envs_and_restart_on_autoreset(server: Any) -> None:
    n, task = 3, "guess_number"
    with collabgym.VectorEnv(task, n, endpoint=server.endpoint, keep_messages=True,
                             **FAST) as venv:
        obs, _ = venv.reset(seed=11)
        singles = [collabgym.make(task, endpoint=server.endpoint, **FAST) for _ in range(n)]
        try:
            for i, e in enumerate(singles):
                e.reset(seed=11 + i)
                assert venv.messages(i) == e.messages()
            guess = venv.collab_spec["acts"].index("guess")
            live = [True] * n  # rows still in their first episode, mirrored by singles[i]
            restarted = 0
            for step in range(40):
                acts = np.full(n, guess if step % 3 == 2 else 0, dtype=np.int64)
                acts = np.where(obs["action_mask"][np.arange(n), acts] == 1, acts, guess)
                obs, _, term, trunc, infos = venv.step(acts)
                for i, e in enumerate(singles):
                    if infos["reset"][i]:
                        restarted += 1
                        live[i] = False
                        m = venv.messages(i)
                        assert [x["role"] for x in m] == ["system", "user"]
                        assert m[1]["content"] == obs["text"][i]
                    elif live[i]:
                        e.step(int(acts[i]))
                        assert venv.messages(i) == e.messages(), (step, i)
                if restarted >= 2:
                    break
            assert restarted >= 1, "no episode was reset within 40 steps"
        finally:
            for e in singles:
                e.close()
        with pytest.raises(IndexError, match=r"\[0, 3\)"):
            venv.messages(n)
    with collabgym.VectorEnv(task, 1, endpoint=server.endpoint, **FAST) as plain:
        plain.reset(seed=1)
        with pytest.raises(RuntimeError, match="keep_messages=True"):
            plain.messages(0)


EXAMPLE = REPO_ROOT / "bridge" / "python" / "examples" / "llm_agent.py"
FAKE = REPO_ROOT / "tests" / "llm" / "fake_openai.py"


def _run_example(server: Any, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "bridge" / "python"))
    return subprocess.run([sys.executable, str(EXAMPLE), "--endpoint", server.endpoint,
                           "--episodes", "2", "--quiet", *args],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("task", TASKS)
def test_llm_agent_example_runs_as_is(server: Any, task: str) -> None:
    r = _run_example(server, "--env", task)
    assert r.returncode == 0, r.stderr
    assert f"{task}: success" in r.stdout and "model failures 0" in r.stdout, r.stdout


def test_llm_agent_example_calls_an_openai_compatible_endpoint(server: Any,
                                                               tmp_path: Path) -> None:
    port_file, log = tmp_path / "port", tmp_path / "requests.jsonl"
    fake = subprocess.Popen([sys.executable, str(FAKE), "--port-file", str(port_file), "--log",
                             str(log)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if port_file.exists():
                break
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}/v1"
        r = _run_example(server, "--env", "math_qa", "--model-url", url, "--model", "play")
        assert r.returncode == 0 and "model failures 0" in r.stdout, r.stdout + r.stderr
        sent = [json.loads(line) for line in log.read_text().splitlines()]
        assert len(sent) == 2  # math_qa: the fake answers at once, one call an episode
        spec_text = sent[0]["request"]["messages"][0]
        assert spec_text["role"] == "system" and "math tutor" in spec_text["content"]
        r = _run_example(server, "--env", "math_qa", "--model-url", url, "--model", "http404")
        assert r.returncode == 0 and "model failures 2" in r.stdout, r.stdout + r.stderr
    finally:
        fake.terminate()
        fake.wait(timeout=10)
