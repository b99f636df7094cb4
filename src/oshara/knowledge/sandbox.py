"""Run HTML and PDF extraction in a child process with memory, CPU and wall-clock limits.

A hostile file (compression bomb, page-tree bomb, pathological markup) can at worst use up
its own process: the address space is capped with ``RLIMIT_AS``, CPU time with
``RLIMIT_CPU``, and the parent kills the child when the wall-clock limit passes. Unlike a
thread, a killed process leaves nothing running behind. The child gets no environment (so no
secrets) and answers with JSON on stdout.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from typing import Any

from oshara.knowledge.extract import Block, Extracted, ExtractError, Kind, extract
from oshara.knowledge.limits import KnowledgeLimits

_slots: asyncio.Semaphore | None = None


def _semaphore(size: int) -> asyncio.Semaphore:
    global _slots
    if _slots is None:
        _slots = asyncio.Semaphore(max(1, size))
    return _slots


async def extract_isolated(
    data: bytes, kind: Kind, limits: KnowledgeLimits, name: str = "The document"
) -> Extracted:
    """Extract ``data`` in a sandboxed child process; ``ExtractError`` says what was wrong."""
    header = json.dumps(
        {
            "kind": kind,
            "name": name,
            "max_pages": limits.max_pdf_pages,
            "max_chars": limits.max_chars,
            "max_stream_bytes": limits.max_stream_bytes,
            "timeout": limits.extract_timeout_seconds,
            "memory": limits.extract_memory_bytes,
        }
    ).encode()
    payload = len(header).to_bytes(4, "big") + header + data
    async with _semaphore(limits.max_concurrent_extractions):
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            "-m",
            "oshara.knowledge.sandbox",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env={"LC_ALL": "C.UTF-8"},
        )
        try:
            out, _ = await asyncio.wait_for(
                proc.communicate(payload), timeout=limits.extract_timeout_seconds
            )
        except TimeoutError:
            raise ExtractError(
                f"{name} took longer than {limits.extract_timeout_seconds:g} s to process "
                "and was refused"
            ) from None
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    return _parse_answer(out, proc.returncode, name)


def _parse_answer(out: bytes, returncode: int | None, name: str) -> Extracted:
    try:
        answer: dict[str, Any] = json.loads(out) if out else {}
    except ValueError:
        answer = {}
    if not answer:
        if returncode in (-9, -24):  # SIGKILL (memory), SIGXCPU (CPU time)
            raise ExtractError(f"{name} needs more memory or CPU time than allowed to process")
        raise ExtractError(f"{name} could not be processed (the extractor exited: {returncode})")
    if not answer.get("ok"):
        raise ExtractError(str(answer.get("error") or f"{name} could not be processed"))
    return Extracted(
        kind=answer["kind"],
        title=str(answer.get("title") or ""),
        page_count=answer.get("page_count"),
        blocks=[Block(text, heading, page) for text, heading, page in answer["blocks"]],
    )


def _limit_resources(memory: int, timeout: float) -> None:
    try:
        import resource
    except ImportError:  # not on POSIX: the wall-clock kill still applies
        return
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = math.ceil(timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    """Child side: read ``len|header|data`` on stdin, answer JSON on stdout."""
    import logging
    import warnings

    raw = sys.stdin.buffer.read()
    size = int.from_bytes(raw[:4], "big")
    header = json.loads(raw[4 : 4 + size])
    data = raw[4 + size :]
    del raw
    _limit_resources(int(header["memory"]), float(header["timeout"]))
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    answer: dict[str, Any]
    try:
        result = extract(
            data,
            header["kind"],
            max_pages=int(header["max_pages"]),
            max_chars=int(header["max_chars"]),
            max_stream_bytes=int(header["max_stream_bytes"]),
            deadline=time.monotonic() + float(header["timeout"]),
            name=str(header["name"]),
        )
        answer = {
            "ok": True,
            "kind": result.kind,
            "title": result.title,
            "page_count": result.page_count,
            "blocks": [[b.text, b.heading, b.page] for b in result.blocks],
        }
    except ExtractError as exc:
        answer = {"ok": False, "error": str(exc)}
    except MemoryError:
        answer = {"ok": False, "error": f"{header['name']} needs too much memory to process"}
    except RecursionError:
        answer = {"ok": False, "error": f"{header['name']} is nested too deeply to process"}
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode("utf-8", "replace"))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
