#!/usr/bin/env python3
"""A language-model agent for any CollabGym task, over any OpenAI-compatible chat endpoint.

The model gets what the task promises an agent (docs/llm-agents.md): the task's instructions as the
system message (``env.instructions``) and the conversation as chat messages (``env.messages()``);
its reply's text is the action, read by the task as a person would read it. Standard library only
(urllib) for the model call.

    # no model: a stand-in that plays the instructions' own examples (runs as it is)
    PYTHONPATH=bridge/python python3 bridge/python/examples/llm_agent.py --env grocery

    # a model (vLLM, llama.cpp, Ollama, OpenAI…); the key, if any, from an environment variable
    PYTHONPATH=bridge/python python3 bridge/python/examples/llm_agent.py --env math_qa \\
        --model-url http://127.0.0.1:8000/v1 --model qwen2.5-7b-instruct --api-key-env OPENAI_API_KEY

The same model can be run without Python, with results that replay without it:
``collabgym run -t math_qa -a 'llm:http://127.0.0.1:8000/v1?model=…' --agent-cache cache.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from typing import Dict, List, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import collabgym  # noqa: E402

Messages = List[Dict[str, str]]


class ChatModel:
    """POSTs the messages to URL/chat/completions and returns the reply's text."""

    def __init__(self, url: str, model: Optional[str], api_key: Optional[str],
                 temperature: float = 0.0, max_tokens: int = 512, timeout: float = 60.0,
                 retries: int = 2) -> None:
        base = url.rstrip("/")
        self.url = base if base.endswith("/chat/completions") else base + "/chat/completions"
        self.model, self.api_key = model, api_key
        self.temperature, self.max_tokens = temperature, max_tokens
        self.timeout, self.retries = timeout, retries

    def __call__(self, messages: Messages) -> str:
        body: Dict[str, object] = {"messages": messages, "temperature": self.temperature,
                                   "max_tokens": self.max_tokens}
        if self.model:
            body["model"] = self.model
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(body).encode()
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    reply = json.load(resp)
                return str(reply["choices"][0]["message"]["content"] or "").strip()
            except urllib.error.HTTPError as err:
                if err.code not in (408, 409, 429) and err.code < 500 or attempt == self.retries:
                    raise RuntimeError(f"{self.url}: HTTP {err.code}: {err.read()[:200]!r}")
            except (urllib.error.URLError, TimeoutError) as err:
                if attempt == self.retries:
                    raise RuntimeError(f"{self.url}: {err}") from None
            time.sleep(0.25 * 2**attempt)
        raise AssertionError("unreachable")


class InstructionsStandIn:
    """No model: plays the quoted examples of the task's instructions in order ("Is it alive?",
    "Please check out.", …), filling their <placeholders> from the conversation. It shows the loop
    end to end; it is not a good player."""

    FILL = {"thing": "dog", "product": "bananas", "chain": "FreshMart", "city": "Denver",
            "quantity": "distance", "aspect": "tone", "your choice": "a formal tone"}

    def __call__(self, messages: Messages) -> str:
        system = messages[0]["content"] if messages[0]["role"] == "system" else ""
        # Quoted messages (a sentence ending in ? . or !), not quoted words such as "above".
        examples = [q for q in re.findall(r'"([^"]{3,200})"', system) if q[-1] in "?.!"]
        examples = examples or ["Could you tell me more?"]
        turn = sum(m["role"] == "assistant" for m in messages)
        text = examples[min(turn, len(examples) - 1)]
        heard = " ".join(m["content"] for m in messages if m["role"] == "user")
        numbers = re.findall(r"\d+(?:\.\d+)?", heard.replace(",", ""))

        def fill(match: "re.Match[str]") -> str:
            key = match.group(1).lower()
            if key in ("number", "n", "t"):
                return numbers[-1] if numbers else "50"
            if key == "units":
                return ""
            return self.FILL.get(key, key)

        return re.sub(r"<([^<>]{1,20})>", fill, text).replace("  ", " ").strip()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=collabgym.DEFAULT_ENDPOINT,
                        help="CollabGym server (default: %(default)s)")
    parser.add_argument("--env", default="twenty_questions", help="environment id (any task)")
    parser.add_argument("--episodes", type=int, default=3, help="episodes to play")
    parser.add_argument("--seed", type=int, default=0, help="episode i uses seed + i")
    parser.add_argument("--reward", default="terminal", help="reward mode (default: %(default)s)")
    parser.add_argument("--model-url", help="OpenAI-compatible base URL, e.g. "
                        "http://127.0.0.1:8000/v1 (default: no model, the stand-in plays)")
    parser.add_argument("--model", help="the request's model name")
    parser.add_argument("--api-key-env", help="environment variable holding the API key")
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per model call")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error(f"--episodes {args.episodes}: expected at least 1")
    key = None
    if args.api_key_env:
        key = os.environ.get(args.api_key_env)
        if not key:
            parser.error(f"--api-key-env {args.api_key_env}: the variable is not set")
    model = (ChatModel(args.model_url, args.model, key, args.temperature, args.max_tokens,
                       args.timeout) if args.model_url else InstructionsStandIn())

    wins, failures, score = 0, 0, 0.0
    try:
        with collabgym.make(args.env, endpoint=args.endpoint, reward=args.reward) as env:
            for ep in range(args.episodes):
                obs, _ = env.reset(seed=args.seed + ep)
                done, info = False, {}
                if not args.quiet:
                    print(f"--- {env.env_id}, episode {ep} (seed {args.seed + ep})\n"
                          f"user:  {obs['text']}")
                while not done:
                    try:
                        reply = model(env.messages())
                    except RuntimeError as err:  # the model failed: this episode fails
                        print(f"model failed: {err}", file=sys.stderr)
                        failures += 1
                        info = {}
                        break
                    obs, reward, terminated, truncated, info = env.step(reply)
                    done = terminated or truncated
                    if not args.quiet:
                        print(f"agent: {reply}\nuser:  {obs['text']}    "
                              f"[{info.get('act') or 'not understood'}, reward {reward:+.3f}]")
                wins += bool(info.get("success"))
                score += float(info.get("score") or 0.0)
    except collabgym.ServerTimeout as err:
        print(f"error: {err} (is `collabgym serve --bind {args.endpoint}` running?)",
              file=sys.stderr)
        return 1
    n = args.episodes
    print(f"{args.env}: success {wins / n:.1%} ({wins}/{n}), mean score {score / n:.3f}, "
          f"model failures {failures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
