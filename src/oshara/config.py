"""One settings object for the whole platform.

Values come from the environment (``OSHARA_`` prefix) or a ``.env`` file. In development a
secret key is generated on first run and persisted under the data directory; in production a
missing or development secret is refused.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SECRET_FILE = "secret_key"
_MIN_SECRET_LEN = 32


class Settings(BaseSettings):
    """All configuration of an Oshara process."""

    model_config = SettingsConfigDict(
        env_prefix="OSHARA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./data")
    database_url: str = ""
    secret_key: str = ""
    public_url: str = ""
    """Base URL browsers use to reach this server; derived from the request when empty."""

    # Auth
    access_token_ttl_seconds: int = Field(default=10 * 24 * 3600, ge=60)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=300)
    session_token_ttl_seconds: int = Field(default=300, ge=10, le=3600)
    session_connect_grace_seconds: float = Field(default=30.0, gt=0, le=3600)
    """A started session that has not connected within this stops holding a concurrency slot
    (its token stays valid; connecting later is admitted against the cap again)."""
    registration_enabled: bool = True
    invitation_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=300, le=90 * 24 * 3600)
    """How long an invitation to join an organization can be accepted."""

    # HTTP
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    trusted_proxies: str = ""
    """Comma-separated CIDRs of reverse proxies whose ``X-Forwarded-For`` is believed."""
    cors_origins: list[str] = Field(default_factory=list)
    """Origins allowed to call the authenticated API from a browser (dashboard: same-origin)."""

    # Rate limits, in the ``limits`` notation: "10/minute", tiers joined by ";" (429 with
    # Retry-After over any tier). In memory per process; shared through Redis when set.
    redis_url: str = ""
    """``redis://host:6379/0``: rate limits shared by every API node (in memory when empty)."""
    rate_limit_enabled: bool = True
    login_limit_per_address: str = "20/minute;200/hour"
    """Login attempts from one client address."""
    login_limit_per_account: str = "10/minute;50/hour"
    """Failed logins on one account from all addresses; over it the account is slowed down
    (``login_limit_slowed``), never locked."""
    login_limit_slowed: str = "2/minute"
    """Attempts per address on an account that is over ``login_limit_per_account``."""
    refresh_limit_per_address: str = "60/minute"
    refresh_limit_per_account: str = "30/minute"
    register_limit_per_address: str = "10/hour"
    form_limit_per_address: str = "20/minute"
    """Public form submissions from one address to one character."""
    message_limit_per_session: str = "30/minute"
    """Text-mode messages in one session."""
    knowledge_limit_per_org: str = "30/minute;300/hour"
    """Knowledge-base uploads per organization."""
    tool_test_limit_per_org: str = "20/minute;200/hour"
    """Tool test runs (the dashboard's Test button, MCP tool lists) per organization."""

    # Outbound requests (tools, MCP): private targets need an explicit allow-list entry.
    egress_allow: str = ""
    """Comma-separated CIDRs (``10.0.0.0/8``) or ``host:port`` entries that may be private."""

    # Providers. Cloud keys are optional; the offline default needs none.
    models_dir: Path | None = None
    """Where assembled model weights live (default: ``<data_dir>/models``)."""
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("oshara_openai_base_url", "openai_base_url")
    )
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("oshara_openai_api_key", "openai_api_key")
    )
    deepgram_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("oshara_deepgram_api_key", "deepgram_api_key")
    )
    elevenlabs_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("oshara_elevenlabs_api_key", "elevenlabs_api_key"),
    )
    cartesia_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("oshara_cartesia_api_key", "cartesia_api_key")
    )
    llm_threads: int | None = Field(default=None, ge=1, le=64)
    stt_threads: int | None = Field(default=None, ge=1, le=64)

    # Agent runtime
    agent_enabled: bool = True
    """Run the agent in this process (``oshara serve --no-agent`` turns it off)."""
    drain_timeout_seconds: float = Field(default=20.0, ge=0, le=600)
    max_live_sessions: int | None = Field(default=None, ge=1, le=100_000)
    """Live sessions this process runs at once; above it new ones get 503 + Retry-After.
    Default: 8 per CPU core, at most one per 64 MB of memory (see ``default_max_live``)."""
    """On SIGTERM, live calls get this long to finish after their goodbye."""

    # Media
    transport: Literal["webrtc", "livekit"] = "webrtc"
    livekit_url: str = ""
    livekit_api_key: str = ""
    livekit_api_secret: str = ""

    log_level: str = "INFO"

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, v: str) -> str:
        from oshara.clientaddr import parse_trusted_proxies

        parse_trusted_proxies(v)
        return v

    @field_validator(
        "login_limit_per_address",
        "login_limit_per_account",
        "login_limit_slowed",
        "refresh_limit_per_address",
        "refresh_limit_per_account",
        "register_limit_per_address",
        "form_limit_per_address",
        "message_limit_per_session",
        "knowledge_limit_per_org",
        "tool_test_limit_per_org",
    )
    @classmethod
    def _check_rate_limit(cls, v: str) -> str:
        from limits import parse_many

        try:
            items = parse_many(v)
        except ValueError:
            items = []
        if not items or any(item.amount < 1 for item in items):
            raise ValueError(f"{v!r} is not a rate limit like '10/minute' or '5/minute;50/hour'")
        return v

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, v: str) -> str:
        return v.rstrip("/")

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if self.models_dir is None:
            self.models_dir = self.data_dir / "models"
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.data_dir / 'oshara.db').resolve()}"
        if self.env == "production":
            if len(self.secret_key) < _MIN_SECRET_LEN:
                raise ValueError(
                    "OSHARA_SECRET_KEY must be set to at least 32 random characters in production"
                )
            if self.secret_key.startswith("dev-"):
                raise ValueError("a development secret key cannot be used in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def ensure_secret(self) -> str:
        """Return the secret key, generating and persisting a development one if needed."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / _SECRET_FILE
        if path.exists():
            self.secret_key = path.read_text().strip()
        else:
            self.secret_key = "dev-" + secrets.token_urlsafe(48)
            path.write_text(self.secret_key)
            path.chmod(0o600)
        return self.secret_key


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
