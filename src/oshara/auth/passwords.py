"""Password hashing with Argon2id (argon2-cffi).

Hashing costs ~0.1-0.3 s of CPU by design. The async functions run it in a small pool of
threads sized to the cores (argon2-cffi releases the GIL), so a burst of logins queues there
and never on the event loop. The sync functions are for the CLI and tests.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this keeps login timing the same whether or not the email exists.
_DUMMY_HASH = _hasher.hash("oshara-timing-equaliser")

_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
HASH_THREADS = max(1, _CORES - 1)
"""Hashes computed at once per process; more wait in the pool's queue. One core is left to
the event loop (live calls matter more than login throughput), except on a single core."""
# One executor for the process, not one per event loop: tests run several loops.
_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="oshara-argon2")


def use_cheapest_hashing() -> None:
    """Fast, weak Argon2 parameters — only for ``OSHARA_ENV=test`` (set by the app factory)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    _DUMMY_HASH = _hasher.hash("oshara-timing-equaliser")


MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (blocking: use ``hash_password_async`` in requests)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing hash costs the same time and answers False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


async def hash_password_async(password: str) -> str:
    """``hash_password`` in the bounded hashing pool, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """``verify_password`` in the bounded hashing pool, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(
        _pool, verify_password, password_hash, password
    )
