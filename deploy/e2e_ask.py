"""End-to-end check: ask one question through each stand-in and find the right quote in the reply.

    python deploy/e2e_ask.py --telegram http://127.0.0.1:PORT --discord http://127.0.0.1:PORT
    python deploy/e2e_ask.py ... --discord-shards 4     (once in a server on each of 4 shards)

The right quote is the first excerpt the engine gives on the bundled articles (computed here, on
the host); the reply must contain its first sentence, whatever markup the platform's renderer
added. Prints the quote each bot sent back; exits 1, saying what was seen, when one does not.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from retrieval import Engine

REPO = Path(__file__).resolve().parent.parent
QUESTION = "How quickly did the Sora app pass a million downloads?"
REPLY_TIMEOUT_SECONDS = 30
TELEGRAM_CHAT = 424242
DISCORD_USER = "123"


def expected_quote(question: str) -> str:
    """The first sentence of the engine's first excerpt for `question`."""
    with tempfile.TemporaryDirectory() as cache:
        answer = Engine.from_directory(REPO / "corpus", cache).answer(question)
    if not answer.answered:
        raise SystemExit(f"e2e: the engine does not answer {question!r} on the bundled articles")
    first_sentence = re.split(r"(?<=[.!?。！？])\s", answer.hits[0].excerpt.strip(), maxsplit=1)[0]
    return first_sentence.rstrip("…")


def comparable(text: str) -> str:
    """Letters and digits only, lower-case: markup, escapes, spacing and punctuation do not count."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"[\W_]+", "", text).lower()


def http_json(url: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def wait_for_reply(calls_url: str, after: int, replies, quote: str) -> str:
    """Poll the stand-in's calls recorded after the first `after` until a reply holds `quote`;
    that reply's text."""
    deadline = time.monotonic() + REPLY_TIMEOUT_SECONDS
    seen: list[str] = []
    while time.monotonic() < deadline:
        seen = list(replies(http_json(calls_url)[after:]))
        for text in seen:
            if comparable(quote) in comparable(text):
                return text
        time.sleep(0.3)
    raise AssertionError(f"no reply with the quote {quote!r} within {REPLY_TIMEOUT_SECONDS} s; replies seen: {seen!r}")


def telegram_replies(calls: list[dict]):
    for call in calls:
        params = call.get("params") or {}
        if call.get("method") in ("sendMessage", "editMessageText") and str(params.get("chat_id")) == str(TELEGRAM_CHAT):
            yield str(params.get("text", ""))


def discord_replies(calls: list[dict]):
    for call in calls:
        body = call.get("json")
        if call.get("method") in ("POST", "PATCH") and isinstance(body, dict):
            body = body.get("data", body)  # an interaction callback nests the message in "data"
            embeds = body.get("embeds") or []
            parts = [body.get("content") or ""] + [embed.get("description") or "" for embed in embeds]
            parts += [field.get("value") or "" for embed in embeds for field in embed.get("fields") or []]
            yield "\n".join(part for part in parts if part)


def ask_telegram(base: str, question: str, quote: str) -> str:
    before = len(http_json(f"{base}/_test/calls"))
    http_json(f"{base}/_test/message", {"chat_id": TELEGRAM_CHAT, "user_id": TELEGRAM_CHAT, "text": question, "language_code": "en"})
    return wait_for_reply(f"{base}/_test/calls", before, telegram_replies, quote)


def ask_discord(base: str, question: str, quote: str, guild_id: str | None = None) -> str:
    before = len(http_json(f"{base}/_test/calls"))
    interaction = {"command": "ask", "question": question, "user_id": DISCORD_USER}
    if guild_id is not None:
        interaction["guild_id"] = guild_id
    http_json(f"{base}/_test/interaction", interaction)
    return wait_for_reply(f"{base}/_test/calls", before, discord_replies, quote)


def discord_on_shard(shard_id: int, shard_count: int):
    """Asking in a new server on shard `shard_id` of `shard_count` (compose's --wait saw every
    process healthy, which each is only while all its shards are connected)."""
    def ask(base: str, question: str, quote: str) -> str:
        guild = http_json(f"{base}/_test/guild", {"shard": shard_id, "count": shard_count})
        if [shard_id, shard_count] not in guild["connected_shards"]:
            raise AssertionError(f"shard {shard_id} of {shard_count} is not connected: {guild['connected_shards']}")
        return ask_discord(base, question, quote, guild["guild_id"])
    return ask


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--telegram", required=True, help="the Telegram stand-in, e.g. http://127.0.0.1:8081")
    parser.add_argument("--discord", required=True, help="the Discord stand-in, e.g. http://127.0.0.1:8900")
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--discord-shards", type=int, default=0, metavar="N",
                        help="ask once in a server on each of N shards (the bots run DISCORD_SHARD_COUNT=N)")
    args = parser.parse_args(argv)

    quote = expected_quote(args.question)
    print(f"e2e: asking {args.question!r}; the right quote starts {quote!r}")
    failures = 0
    askers = [("telegram", ask_telegram, args.telegram)]
    if args.discord_shards:
        askers += [(f"discord shard {shard}", discord_on_shard(shard, args.discord_shards), args.discord)
                   for shard in range(args.discord_shards)]
    else:
        askers.append(("discord", ask_discord, args.discord))
    for platform, ask, base in askers:
        started = time.monotonic()
        try:
            reply = ask(base.rstrip("/"), args.question, quote)
        except (AssertionError, OSError) as error:
            print(f"e2e: {platform}: FAILED: {error}")
            failures += 1
            continue
        print(f"e2e: {platform}: replied in {time.monotonic() - started:.1f} s with the quote: {reply[:300]!r}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
