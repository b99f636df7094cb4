"""Local LLM turn latency: first token, tokens/s, the cost of constrained decoding, and what
happens when two sessions talk at once.

    python bench/local_llm.py                          # qwen2.5-0.5b
    python bench/local_llm.py --model qwen2.5-1.5b --turns 8

One process, one shared model (as the server runs it). Every figure is measured in this run:

* ``free``     — plain sampling, no grammar, no decision step (the baseline);
* ``reply``    — the reply grammar (no markdown, no tags) with tools offered and the decision
  step (one softmax over the first-token logits) choosing "reply";
* ``call``     — turns that end in a tool call: the decision picks the tool, the call's opening
  and name join the prompt, and only the arguments are sampled under the tool's schema;
* ``call, opening sampled`` — the same calls with the tool named by ``tool_choice`` (no
  decision step) and the whole call sampled under the grammar, its opening and name token by
  token (how calls were generated before; the baseline for ``call``'s full time);
* ``2 at once``— two sessions send a turn at the same moment. Generation is serialised by the
  model lock (llama.cpp contexts are not re-entrant); the second waits for the first.

Prompts are the support-agent character of the eval set with its tools; each session's system
prompt and tools are prefilled first (as the runtime does while the greeting plays), so
"first token" is the cost of a typical turn: evaluate the caller's words, decide, sample.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from oshara.providers.llm.local import LlamaOptions, SharedLlama  # noqa: E402
from oshara.providers.llm.toolcall import offered_tools  # noqa: E402
from oshara.voice.models import resolve_model  # noqa: E402
from oshara.voice.prompt import render_system_prompt  # noqa: E402

TOOLS = offered_tools(
    [
        {
            "name": "ticket_lookup",
            "description": "Look up the status of one of the caller's support tickets by its id.",
            "parameters": {
                "type": "object",
                "properties": {"ticket_id": {"type": "string", "description": "like TICKET-123"}},
                "required": ["ticket_id"],
            },
        },
        {
            "name": "create_ticket",
            "description": "Open a new support ticket for the caller.",
            "parameters": {
                "type": "object",
                "properties": {
                    "subject": {"type": "string"},
                    "priority": {"type": "string", "enum": ["low", "normal", "high"]},
                },
                "required": ["subject", "priority"],
            },
        },
        {"name": "end_call", "description": "End the call after saying goodbye.", "parameters": {}},
    ]
)
PROMPT = (
    "You are Sam, the support agent of Acme Internet. Help callers with their own tickets, "
    "outages and billing questions."
)
REPLIES = [
    "Hi, how are you today?",
    "What are your opening hours?",
    "Can you check my ticket?",
    "Do you also sell routers?",
    "What is the difference between your two plans?",
    "Thanks, that was helpful.",
    "Who am I talking to?",
    "Is there anything else I should know?",
]
CALLS = [
    ("What's the status of ticket TICKET-456?", "ticket_lookup"),
    ("Please open a high priority ticket, my internet is down.", "create_ticket"),
    ("Could you look up TICKET-1002 for me?", "ticket_lookup"),
    ("Open a low priority ticket about a billing typo.", "create_ticket"),
]


def _messages(user: str, session: int) -> list[dict[str, Any]]:
    system = render_system_prompt(
        PROMPT + f" (line {session})", {}, character_name="Sam", tools=True
    )
    return [
        {"role": "system", "content": system},
        {"role": "assistant", "content": "Hi, this is Sam from Acme. How can I help?"},
        {"role": "user", "content": user},
    ]


def turn(
    model: SharedLlama, user: str, session: int, *, mode: str, t0: float | None = None
) -> dict[str, Any]:
    """One turn; times from ``t0`` (default: now) to the first token and to the end."""
    start = time.perf_counter() if t0 is None else t0
    with model.lock:
        if mode == "free":
            tokens, stop = model.prompt_tokens(_messages(user, session), TOOLS)
            chunks: Any = model.llm.create_completion(
                prompt=tokens, stop=stop, stream=True, max_tokens=60, temperature=0.0
            )
            decided = None
        else:
            choice: Any = "auto"
            if mode.startswith("tool:"):
                choice = {"type": "function", "function": {"name": mode[5:]}}
            sampling = {"max_tokens": 60, "temperature": 0.0}
            gen = model.generate(_messages(user, session), TOOLS, choice, sampling)
            if gen.unfillable is not None:  # the call lacks what nothing said: ask (as served)
                gen = model.generate(_messages(user, session), TOOLS, "none", sampling)
            chunks, decided = gen.chunks, gen.tool_choice
            text = gen.prefix
        first = None
        n = 0
        if mode == "free":
            text = ""
        for chunk in chunks:
            if first is None:
                first = time.perf_counter()
            n += 1
            text += chunk["choices"][0]["text"]
    end = time.perf_counter()
    first = first or end
    return {
        "first_ms": (first - start) * 1000,
        "total_ms": (end - start) * 1000,
        "tok_s": (n - 1) / (end - first) if n > 1 and end > first else 0.0,
        "decided": decided,
        "text": text,
    }


def _p50(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rows) if rows else float("nan")


def machine_rates(model: SharedLlama) -> tuple[float, float]:
    """This machine's raw llama.cpp speed for the model: prompt evaluation (tokens/s, a batch of
    128 on ``n_threads_batch``) and single-token decoding (tokens/s on ``n_threads``). Every
    latency below is mostly a multiple of these, so figures from two machines compare through
    them."""
    llm = model.llm
    text = " ".join(f"Line {i}: the caller asked about ticket number {i * 7}." for i in range(40))
    tokens = llm.tokenize(text.encode(), add_bos=False)[:160]
    with model.lock:
        llm.n_tokens = 0
        llm.eval(tokens[:8])  # first-evaluation setup, not measured
        llm.n_tokens = 0
        t = time.perf_counter()
        llm.eval(tokens[:128])
        prompt = 128 / (time.perf_counter() - t)
        t = time.perf_counter()
        for token in tokens[128:144]:
            llm.eval([token])
        decode = 16 / (time.perf_counter() - t)
        llm.n_tokens = 0
    return prompt, decode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-0.5b")
    parser.add_argument("--turns", type=int, default=8, help="turns per scenario")
    args = parser.parse_args()

    t = time.perf_counter()
    model = SharedLlama.get(resolve_model(args.model), LlamaOptions())
    print(f"model {args.model}: loaded in {time.perf_counter() - t:.1f} s")
    prompt_rate, decode_rate = machine_rates(model)
    print(
        f"this machine: prompt evaluation {prompt_rate:.1f} tok/s, "
        f"decoding {decode_rate:.1f} tok/s (llama.cpp, no grammar)"
    )
    for session in (0, 1):
        t = time.perf_counter()
        model.warm(_messages("Hello", session)[:2], TOOLS)
        print(f"prefill system prompt + tools (session {session}): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    model._call_starts()
    print(f"decision mask over the vocabulary: {time.perf_counter() - t:.2f} s (once per model)")

    results: dict[str, list[dict[str, Any]]] = {"free": [], "reply": [], "call": [], "sampled": []}
    for i in range(args.turns):
        results["free"].append(turn(model, REPLIES[i % len(REPLIES)], 0, mode="free"))
        results["reply"].append(turn(model, REPLIES[i % len(REPLIES)], 0, mode="auto"))
        said, tool = CALLS[i % len(CALLS)]
        results["call"].append(turn(model, said, 0, mode="auto"))
        results["sampled"].append(turn(model, said, 0, mode=f"tool:{tool}"))

    # Two sessions at once: both start at t0; the second waits for the model lock.
    pairs: list[dict[str, Any]] = []
    for i in range(max(2, args.turns // 2)):
        out: list[dict[str, Any]] = [{}, {}]
        t0 = time.perf_counter()

        def run(k: int, i: int = i, t0: float = t0, out: list[dict[str, Any]] = out) -> None:
            out[k] = turn(model, REPLIES[(i + k) % len(REPLIES)], k, mode="auto", t0=t0)

        threads = [threading.Thread(target=run, args=(k,)) for k in (0, 1)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        out.sort(key=lambda r: r["first_ms"])
        pairs.append({"first": out[0], "second": out[1]})

    base = _p50(results["free"], "first_ms")
    print(f"\n{'scenario':<28}{'first token p50':>16}{'vs free':>9}{'full p50':>11}{'tok/s':>8}")
    rows = [
        ("free (no grammar)", results["free"]),
        ("reply (decision+grammar)", results["reply"]),
        ("tool call (decision+schema)", results["call"]),
        ("call, opening sampled", results["sampled"]),
        ("2 at once: first served", [p["first"] for p in pairs]),
        ("2 at once: second served", [p["second"] for p in pairs]),
    ]
    for label, data in rows:
        first = _p50(data, "first_ms")
        print(
            f"{label:<28}{first:>13.0f} ms{first / base:>8.2f}x"
            f"{_p50(data, 'total_ms'):>8.0f} ms{_p50(data, 'tok_s'):>8.1f}"
        )
    calls = sum(1 for r in results["call"] if r["decided"] == "required")
    replies = sum(1 for r in results["reply"] if r["decided"] == "none")
    print(
        f"\ndecision: {calls}/{len(results['call'])} tool requests → call, "
        f"{replies}/{len(results['reply'])} chit-chat → reply"
    )
    print("sample reply:", repr(results["reply"][0]["text"][:120]))
    print("sample call: ", repr(results["call"][0]["text"][:160]))
    full, sampled = _p50(results["call"], "total_ms"), _p50(results["sampled"], "total_ms")
    ratio = full / sampled
    print(f"call complete p50: {full:.0f} ms; opening sampled: {sampled:.0f} ms ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
