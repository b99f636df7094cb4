"""``python -m oshara.providers.llm.smoke MODEL``: load a local model and generate a few tokens.

Run by ``scripts/install`` in a child process, so a llama.cpp build that crashes on this CPU
is found at install time (exit status ≠ 0) instead of during a call.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    from oshara.providers.llm.local import LlamaOptions, SharedLlama
    from oshara.voice.models import ModelError, resolve_model

    name = argv[0] if argv else "smollm2-135m"
    try:
        path = resolve_model(name)
    except ModelError as exc:
        print(f"smoke: {exc}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    model = SharedLlama.get(path, LlamaOptions(n_ctx=512))
    with model.lock:
        gen = model.generate(
            [{"role": "user", "content": "Say hi."}], [], "none", {"max_tokens": 4, "seed": 1}
        )
        text = "".join(chunk["choices"][0]["text"] for chunk in gen.chunks)
    print(f"llama.cpp ok: {name} answered {text!r} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
