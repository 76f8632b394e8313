"""A fake OpenAI-compatible chat-completions server (standard library only), for tests and benches.

It plays each CollabGym task from what a real model would receive: the system message (the task's
instructions, spec()["instructions"]) and the conversation. It recognises the task from the
instructions' first sentence and writes its messages in the forms the instructions give
("Is it a <thing>?", "Add 2 <product>.", "The answer is <number>.", a whole draft…), so it passes
only if the instructions tell an agent enough. The model name picks a misbehaviour instead:

  play (default)  play the task          slow      sleep 5 s, then play
  http500         answer HTTP 500        http404   answer HTTP 404
  badjson         a body that is not JSON
  nochoices       JSON without "choices" empty      an empty message
  flaky           HTTP 503 on the first try of each request, then play (tests retries)

  /usr/bin/python3 tests/llm/fake_openai.py --port 0 --port-file PORT   # prints the port too

Every request is appended to --log (JSON Lines) when given, for tests to inspect.
"""

import argparse
import hashlib
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TWENTY_Q_QUESTIONS = [
    "Is it alive?",
    "Is it an animal?",
    "Is it bigger than a breadbox?",
    "Is it man-made?",
    "Can it be held in one hand?",
]
TWENTY_Q_GUESSES = ["dog", "apple", "chair", "car", "cat", "hammer", "banana"]
GROCERY_QUESTIONS = [
    "What is the delivery address?",
    "Which store do you usually shop at?",
    "What is on your list?",
]


def last_number(text):
    nums = re.findall(r"-?\d+(?:\.\d+)?", text.replace(",", ""))
    return nums[-1] if nums else "0"


def play(messages):
    """The next assistant message for the conversation, from the instructions' wording."""
    system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
    said = [m["content"] for m in messages if m["role"] == "assistant"]
    heard = [m["content"] for m in messages if m["role"] == "user"]
    n = len(said)
    if "20 Questions" in system:
        if n < len(TWENTY_Q_QUESTIONS):
            return TWENTY_Q_QUESTIONS[n]
        guess = TWENTY_Q_GUESSES[(n - len(TWENTY_Q_QUESTIONS)) % len(TWENTY_Q_GUESSES)]
        return f"Is it a {guess}?"
    if "grocery delivery app" in system:
        if n < len(GROCERY_QUESTIONS):
            return GROCERY_QUESTIONS[n]
        return "Please check out."
    if "writing assistant" in system:
        if n == 0:
            return "Who will read this?"
        if n == 1:
            # Hand back the user's own document as a draft (the longest paragraph of the opening).
            opening = heard[0]
            body = max(opening.split("\n\n"), key=len).strip()
            if len(body.split()) < 25:
                body = opening.strip()
            return "Here is a revised version:\n\n" + body
        return "That's all, goodbye."
    if "math tutor" in system:
        return f"The answer is {last_number(heard[0])}."
    if "guessing a whole number" in system:
        if n == 0:
            return "Is it above 50?"
        return f"Is it {25 + 10 * n}?"
    return "Hello! How can I help?"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = set()  # request digests answered once (flaky)
    lock = threading.Lock()
    log = None

    def log_message(self, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        # Headers and body go out as separate writes: without this, Nagle's algorithm holds the
        # body back until the client's delayed ACK (40 ms a reply).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
            pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if not self.path.endswith("/chat/completions"):
            return self.send(404, json.dumps({"error": {"message": f"no route {self.path}"}}))
        try:
            req = json.loads(raw)
        except ValueError:
            return self.send(400, json.dumps({"error": {"message": "request is not JSON"}}))
        if Handler.log:
            with Handler.lock, open(Handler.log, "a") as f:
                entry = {"path": self.path, "request": req,
                         "authorization": self.headers.get("Authorization")}
                f.write(json.dumps(entry) + "\n")
        model = req.get("model", "play")
        if model == "slow":
            time.sleep(5)
        elif model == "http500":
            return self.send(500, json.dumps({"error": {"message": "internal error"}}))
        elif model == "http404":
            return self.send(404, json.dumps({"error": {"message": "model not found"}}))
        elif model == "badjson":
            return self.send(200, "{this is not json")
        elif model == "nochoices":
            return self.send(200, json.dumps({"id": "x", "object": "chat.completion"}))
        elif model == "flaky":
            digest = hashlib.sha256(raw).hexdigest()
            with Handler.lock:
                first = digest not in Handler.seen
                Handler.seen.add(digest)
            if first:
                return self.send(503, json.dumps({"error": {"message": "busy, try again"}}))
        content = "" if model == "empty" else play(req.get("messages", []))
        reply = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }
        self.send(200, json.dumps(reply))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--log", help="append every request to this JSON Lines file")
    args = ap.parse_args(argv)
    Handler.log = args.log
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
