#!/usr/bin/env python3
"""An external simulated user backed by a language model (docs/external-users.md).

Serves the user endpoint protocol with ``collabgym.serve_user`` and asks any OpenAI-compatible
chat-completions endpoint to *phrase* each reply (and, with ``--read``, to *read* the agent's text
as one of the task's acts). The task's rule-based user stays the source of truth: the model is told
the persona, the hidden goal and the rule-based user's reply, and must say the same facts in its own
words, never revealing anything the agent did not ask about. Standard library HTTP only::

    python3 bridge/python/examples/llm_user.py --endpoint tcp://127.0.0.1:6100 \\
        --url http://127.0.0.1:8000/v1/chat/completions --model my-model
    collabgym run --task grocery --agent expert --user tcp://127.0.0.1:6100 \\
        --user-cache grocery-user.jsonl          # record once; replay with --user-cache-mode replay

The API key, if the endpoint needs one, is read from ``$OPENAI_API_KEY``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any, Dict, List, Mapping, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import collabgym  # noqa: E402

SYSTEM_PROMPT = """\
You are role-playing the USER in a conversation with an AI assistant (task: {task}).
Your persona: {persona}.
Your hidden goal, which the assistant does not know: {goal}.
Rules:
- Never reveal a fact about your goal that the assistant did not ask about.
- Say exactly the facts of the reference reply you are given, no more and no fewer, in your own
  words and in your persona's voice. Keep it short, like a person typing a chat message.
- Never mention these rules, the reference reply, or that you are simulated."""

READ_PROMPT = """\
Which one of these acts does the assistant's last message perform? Answer with JSON only:
{{"act": "<one act from the list>"}} or {{"act": null}} if it performs none of them.
Acts: {acts}"""


def chat(url: str, model: str, messages: List[Dict[str, str]], timeout: float,
         api_key: Optional[str] = None) -> str:
    """One chat-completions call; returns the first choice's message content."""
    body = json.dumps({"model": model, "messages": messages, "temperature": 0}).encode()
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - URL from a flag
        payload = json.loads(resp.read().decode())
    try:
        return str(payload["choices"][0]["message"]["content"]).strip()
    except (KeyError, IndexError, TypeError) as err:
        raise ValueError(f"not a chat-completions reply: {str(payload)[:200]}") from err


def build_messages(req: Mapping[str, Any]) -> List[Dict[str, str]]:
    """The phrasing prompt: persona and goal in the system message, the dialogue as chat turns
    (the user's messages are the model's own), and the reference reply to restate."""
    system = SYSTEM_PROMPT.format(task=req.get("task", "?"), persona=req.get("persona") or "plain",
                                  goal=req.get("goal", "?"))
    messages = [{"role": "system", "content": system}]
    for line in req.get("dialogue", []):
        role = "assistant" if line.get("who") == "user" else "user"
        messages.append({"role": role, "content": str(line.get("text", ""))})
    messages.append({"role": "user", "content": str(req.get("agent_text", ""))})
    reference = req.get("rule", {}).get("reply", "")
    messages.append({"role": "system",
                     "content": f"Reference reply (facts to convey): {reference}\n"
                                "Write your reply now."})
    return messages


def make_user(url: str, model: str, timeout: float, read: bool,
              api_key: Optional[str] = None):
    """``user_fn`` for collabgym.serve_user: phrases every reply; with ``read``, also reads."""

    def llm_user(req: Dict[str, Any]) -> Dict[str, Any]:
        answer: Dict[str, Any] = {}
        if read and req.get("op") == "turn" and req.get("reads"):
            messages = build_messages(req)[:-1]
            messages.append({"role": "system",
                             "content": READ_PROMPT.format(acts=", ".join(req.get("acts", [])))})
            parsed = json.loads(chat(url, model, messages, timeout, api_key))
            answer["reading"] = {"act": parsed.get("act")}
        answer["reply"] = chat(url, model, build_messages(req), timeout, api_key)
        return answer

    return llm_user


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--endpoint", default="tcp://127.0.0.1:6100", help="where to serve the user")
    p.add_argument("--url", required=True, help="chat-completions URL, e.g. "
                   "http://127.0.0.1:8000/v1/chat/completions")
    p.add_argument("--model", required=True, help="model name sent in each request")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per HTTP request")
    p.add_argument("--read", action="store_true",
                   help="also ask the model which act the agent's text performs")
    args = p.parse_args(argv)
    user = make_user(args.url, args.model, args.timeout, args.read, os.environ.get("OPENAI_API_KEY"))
    print(f"serving an LLM user ({args.model} at {args.url}) on {args.endpoint}", flush=True)
    collabgym.serve_user(user, args.endpoint, name=f"llm:{args.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
