"""Rate limits: moving windows from the ``limits`` library, in memory or in Redis.

One ``RateLimiter`` per app, created on startup (``app.state.rate_limiter``). Each rule is a
setting in the ``limits`` notation ("10/minute;100/hour"); a request over any tier gets 429
with ``Retry-After`` (seconds until the oldest counted request leaves that window). With
``OSHARA_REDIS_URL`` the counters live in Redis and are shared by every API node; if Redis
cannot be reached the limiter fails open (requests pass, a warning is logged) rather than
turning every request into a 500.

Logins are limited per client address (every attempt) and per account (failed attempts, all
addresses). An account over its limit is only slowed down: each address then gets
``login_limit_slowed`` attempts on it, so an attacker cannot lock the owner out — a correct
password from an address that is not hammering still logs in, and every window expires.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from oshara.auth import tokens
from oshara.auth.subject import AuthSubject
from oshara.clientaddr import client_address
from oshara.config import Settings
from oshara.deps import AdminSubject, CurrentSubject
from oshara.errors import TooManyRequests, Unauthorized

log = logging.getLogger("oshara.ratelimit")

RULES = {
    "login": "login_limit_per_address",
    "login_account": "login_limit_per_account",
    "login_slowed": "login_limit_slowed",
    "refresh": "refresh_limit_per_address",
    "refresh_account": "refresh_limit_per_account",
    "register": "register_limit_per_address",
    "form": "form_limit_per_address",
    "message": "message_limit_per_session",
    "knowledge": "knowledge_limit_per_org",
    "tool_test": "tool_test_limit_per_org",
}
"""Rule name → the setting holding its limits."""

MESSAGES = {
    "login": "Too many login attempts from this address",
    "login_slowed": "Too many failed logins on this account; wait before trying again",
    "refresh": "Too many token refreshes from this address",
    "refresh_account": "Too many token refreshes for this account",
    "register": "Too many registrations from this address",
    "form": "Too many form submissions; wait before sending again",
    "message": "Too many messages in this session; wait before sending again",
    "knowledge": "Too many knowledge-base uploads for this organization",
    "tool_test": "Too many tool test runs for this organization; wait before testing again",
}

REDIS_RETRY_SECONDS = 5.0
"""After a Redis failure, requests pass unchecked for this long before Redis is tried again."""
_REDIS_ERRORS = (StorageError, OSError, asyncio.TimeoutError)


def _storage_url(redis_url: str) -> str:
    """``redis://…`` (what operators write) → ``async+redis://…`` (what ``limits`` reads)."""
    return redis_url if redis_url.startswith("async+") else f"async+{redis_url}"


def account_key(email: str) -> str:
    """A stable key for an account that does not put the address itself in Redis."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


class RateLimiter:
    """Named rules (``RULES``) over one storage; see the module docstring."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.shared = bool(settings.redis_url)
        self.storage: Storage
        if settings.redis_url:
            self.storage = RedisStorage(
                _storage_url(settings.redis_url),
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix="oshara",
                socket_connect_timeout=1.0,
                socket_timeout=1.0,
            )
        else:
            self.storage = MemoryStorage()
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.rules: dict[str, list[RateLimitItem]] = {
            name: parse_many(getattr(settings, field)) for name, field in RULES.items()
        }
        self._down_until = 0.0

    def _available(self) -> bool:
        return self.enabled and time.monotonic() >= self._down_until

    def _failed(self, exc: BaseException) -> None:
        if time.monotonic() >= self._down_until:
            log.warning(
                "rate limit storage unreachable (%s: %s); requests pass unlimited for %.0f s",
                type(exc).__name__,
                exc,
                REDIS_RETRY_SECONDS,
            )
        self._down_until = time.monotonic() + REDIS_RETRY_SECONDS

    async def _retry_after(self, item: RateLimitItem, keys: tuple[str, ...]) -> int:
        stats = await self.strategy.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, rule: str, *keys: str) -> None:
        """Count one request against ``rule`` for ``keys``; ``TooManyRequests`` when over."""
        if not self._available():
            return
        try:
            refused = [
                item for item in self.rules[rule] if not await self.strategy.hit(item, *keys)
            ]
            if not refused:
                return
            retry_after = max([await self._retry_after(item, keys) for item in refused])
        except _REDIS_ERRORS as exc:
            self._failed(exc)
            return
        raise TooManyRequests(MESSAGES.get(rule, "Too many requests"), retry_after)

    async def count(self, rule: str, *keys: str) -> None:
        """Count one event (e.g. a failed login) without refusing anything."""
        if not self._available():
            return
        try:
            for item in self.rules[rule]:
                await self.strategy.hit(item, *keys)
        except _REDIS_ERRORS as exc:
            self._failed(exc)

    async def over(self, rule: str, *keys: str) -> bool:
        """Whether ``keys`` have used up any tier of ``rule`` (counts nothing)."""
        if not self._available():
            return False
        try:
            for item in self.rules[rule]:
                if not await self.strategy.test(item, *keys):
                    return True
        except _REDIS_ERRORS as exc:
            self._failed(exc)
        return False

    async def close(self) -> None:
        """Release the Redis connections, or stop the memory storage's expiry task."""
        if isinstance(self.storage, RedisStorage):
            client = getattr(self.storage.bridge, "storage", None)
            if client is not None:
                await client.aclose()
        elif isinstance(self.storage, MemoryStorage) and self.storage.timer is not None:
            self.storage.timer.cancel()


def get_rate_limiter(request: Request) -> RateLimiter:
    """The app's limiter (made on first use when the app was started without its lifespan)."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        limiter = RateLimiter(request.app.state.settings)
        request.app.state.rate_limiter = limiter
    return limiter


Limiter = Annotated[RateLimiter, Depends(get_rate_limiter)]


def _address(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return client_address(request, settings)


@dataclass
class LoginGuard:
    """Per-account login limits, applied by the endpoint once it knows the email."""

    limiter: RateLimiter
    address: str

    async def before(self, email: str) -> None:
        """429 when the account is over its failure limit and this address used its share."""
        account = account_key(email)
        if await self.limiter.over("login_account", account):
            await self.limiter.hit("login_slowed", account, self.address)

    @asynccontextmanager
    async def failures(self, email: str) -> AsyncIterator[None]:
        """Count a failed login (``Unauthorized`` raised inside) against the account."""
        try:
            yield
        except Unauthorized:
            await self.limiter.count("login_account", account_key(email))
            raise


async def login_limit(request: Request, limiter: Limiter) -> LoginGuard:
    """Dependency: count the attempt against the client's address (429 when over)."""
    address = _address(request)
    await limiter.hit("login", address)
    return LoginGuard(limiter, address)


@dataclass
class RefreshGuard:
    """Per-account refresh limit, applied by the endpoint once it has the token."""

    limiter: RateLimiter
    secret: str

    async def before(self, refresh_token: str) -> None:
        """429 when the token's user refreshed too often (invalid tokens are left to the
        endpoint's 401)."""
        try:
            user = str(tokens.decode(self.secret, "refresh", refresh_token)["sub"])
        except (tokens.TokenError, KeyError):
            return
        await self.limiter.hit("refresh_account", user)


async def refresh_limit(request: Request, limiter: Limiter) -> RefreshGuard:
    """Dependency: count the refresh against the client's address (429 when over)."""
    await limiter.hit("refresh", _address(request))
    settings: Settings = request.app.state.settings
    return RefreshGuard(limiter, settings.ensure_secret())


async def register_limit(request: Request, limiter: Limiter) -> None:
    """Dependency: registrations per client address."""
    await limiter.hit("register", _address(request))


async def form_limit(slug: str, request: Request, limiter: Limiter) -> None:
    """Dependency: public form submissions per client address and character."""
    await limiter.hit("form", _address(request), slug)


async def knowledge_limit(subject: CurrentSubject, limiter: Limiter) -> AuthSubject:
    """Dependency: knowledge-base uploads per organization (after authentication)."""
    await limiter.hit("knowledge", str(subject.organization_id))
    return subject


async def tool_test_limit(subject: AdminSubject, limiter: Limiter) -> AuthSubject:
    """Dependency: an admin's tool test runs, per organization (after the role check)."""
    await limiter.hit("tool_test", str(subject.organization_id))
    return subject


LoginLimit = Annotated[LoginGuard, Depends(login_limit)]
RefreshLimit = Annotated[RefreshGuard, Depends(refresh_limit)]
RegisterLimit = Annotated[None, Depends(register_limit)]
FormLimit = Annotated[None, Depends(form_limit)]
KnowledgeLimit = Annotated[AuthSubject, Depends(knowledge_limit)]
ToolTestLimit = Annotated[AuthSubject, Depends(tool_test_limit)]
