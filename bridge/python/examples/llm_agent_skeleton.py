#!/usr/bin/env python3
"""A language-model agent skeleton: prompt from the conversation, free-text actions.

The agent sees only what a chat model would: the conversation so far (the simulated user's
messages and its own). It answers in free text, which the task parses ("Is it alive?" asks,
"Is it a dog?" guesses). Replace `call_model` with your model; by default a trivial rule-based
stand-in plays, so the script runs as it is:

    PYTHONPATH=bridge/python python3 bridge/python/examples/llm_agent_skeleton.py --episodes 3
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Sequence, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import collabgym  # noqa: E402

SYSTEM_PROMPT = (
    "You are playing 20 Questions with a user who is thinking of an everyday object. "
    "Ask short yes/no questions to narrow it down, and guess ('Is it a ...?') only when "
    "you are fairly sure. You have at most 20 turns. Reply with one question only."
)

Message = Tuple[str, str]  # (role, text), role in {"system", "user", "assistant"}


def build_prompt(history: Sequence[Tuple[str, str]]) -> List[Message]:
    """Chat messages for the model: the system prompt, then the conversation.

    ``history`` is ``env.history``: ``("user" | "agent", text)`` pairs, oldest first."""
    messages: List[Message] = [("system", SYSTEM_PROMPT)]
    for role, text in history:
        messages.append(("assistant" if role == "agent" else "user", text))
    return messages


class RuleBasedStandIn:
    """A stand-in for the model: asks a fixed list of questions, then guesses from the answers.

    Deliberately simple; it only shows the loop working end to end."""

    QUESTIONS = ["Is it alive?", "Is it an animal?", "Can you eat it?", "Is it man-made?",
                 "Is it bigger than a breadbox?", "Does it need electricity?",
                 "Is it found in a kitchen?"]
    GUESSES = {  # (alive, edible) answers -> guesses to try in order
        (True, False): ["dog", "cat", "horse", "cow"],
        (True, True): ["apple", "banana", "carrot", "chicken"],
        (False, True): ["bread", "pizza", "cheese", "cookie"],
        (False, False): ["hammer", "chair", "car", "scissors"],
    }

    def __call__(self, messages: Sequence[Message]) -> str:
        asked = [t for r, t in messages if r == "assistant"]
        for q in self.QUESTIONS:
            if q not in asked:
                return q
        answers = {}
        for (role, text), (_, reply) in zip(messages[1:], messages[2:]):
            if role == "assistant" and text in self.QUESTIONS:
                answers[text] = reply.lower().startswith("yes")
        key = (answers.get("Is it alive?", False), answers.get("Can you eat it?", False))
        for guess in self.GUESSES[key]:
            q = f"Is it a {guess}?"
            if q not in asked:
                return q
        return "I give up. What was it?"


def call_model(messages: Sequence[Message]) -> str:
    """>>> THE MODEL CALL GOES HERE. <<<

    Send ``messages`` to your language model (e.g. an OpenAI-style chat endpoint or a local
    transformers pipeline) and return its reply text. The default uses a rule-based stand-in.
    """
    return _STAND_IN(messages)


_STAND_IN = RuleBasedStandIn()


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=collabgym.DEFAULT_ENDPOINT,
                        help="server endpoint (default: %(default)s)")
    parser.add_argument("--env", default="twenty_questions-v0", help="environment id")
    parser.add_argument("--episodes", type=int, default=3, help="episodes to play")
    parser.add_argument("--seed", type=int, default=0, help="episode i uses seed + i")
    parser.add_argument("--reward", default="mr", help="reward mode (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)

    wins = 0
    try:
        with collabgym.make(args.env, endpoint=args.endpoint, reward=args.reward) as env:
            for ep in range(args.episodes):
                obs, _ = env.reset(seed=args.seed + ep)
                done, info = False, {}
                if not args.quiet:
                    print(f"--- episode {ep} (seed {args.seed + ep})\nuser:  {obs['text']}")
                while not done:
                    reply = call_model(build_prompt(env.history))
                    obs, reward, terminated, truncated, info = env.step(reply)  # free text
                    done = terminated or truncated
                    if not args.quiet:
                        print(f"agent: {reply}\nuser:  {obs['text']}    "
                              f"[act {info.get('act')}, reward {reward:+.3f}]")
                wins += bool(info.get("success"))
                if not args.quiet:
                    print(f"=> success {bool(info.get('success'))}, score {info.get('score')}")
    except collabgym.ServerTimeout as err:
        print(f"error: {err} (is `collabgym serve --bind {args.endpoint}` running?)",
              file=sys.stderr)
        return 1
    print(f"success rate {wins / max(args.episodes, 1):.1%} ({wins}/{args.episodes})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
