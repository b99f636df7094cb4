"""A character's webhook signing secret: what its ``http`` tools sign their requests with.

`Standard Webhooks <https://www.standardwebhooks.com/>`_: the secret is ``whsec_`` followed by
the standard base64 of 32 random bytes. Every tool request then carries ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256>`` over
``"{webhook-id}.{webhook-timestamp}.{body}"``, keyed with the base64-decoded part after
``whsec_`` (``oshara.voice.tools.http.webhook_headers``).

The secret is encrypted at rest (:class:`oshara.crypto.SecretBox`), shown to the owner once in
the answer that creates it, and afterwards only as ``{enabled, created_at}``. Only the agent
runtime sees it again (:func:`unseal_webhook_secret`, for the session's spec).
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.subject import AuthSubject
from oshara.characters.models import Character
from oshara.characters.repository import CharacterRepository
from oshara.config import Settings
from oshara.crypto import SecretBox
from oshara.db.base import utcnow

__all__ = [
    "WEBHOOK_SECRET_BYTES",
    "WEBHOOK_SECRET_PREFIX",
    "WebhookSecretCreated",
    "WebhookSecretIn",
    "WebhookSecretOut",
    "WebhookSecretService",
    "new_webhook_secret",
    "unseal_webhook_secret",
]

WEBHOOK_SECRET_PREFIX = "whsec_"
WEBHOOK_SECRET_BYTES = 32


def new_webhook_secret() -> str:
    """``whsec_`` + standard base64 of 32 random bytes (the Standard Webhooks format)."""
    raw = secrets.token_bytes(WEBHOOK_SECRET_BYTES)
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(raw).decode("ascii")


class WebhookSecretIn(BaseModel):
    """The optional body of ``POST …/webhook-secret/``: nothing to choose (``{}`` or none)."""

    model_config = ConfigDict(extra="forbid")


class WebhookSecretOut(BaseModel):
    """Whether the character's tool requests are signed. Never the secret itself."""

    enabled: bool
    created_at: datetime | None = Field(
        description="When the current secret was created (null when signing is off)."
    )


class WebhookSecretCreated(WebhookSecretOut):
    secret: str = Field(
        description="The new signing secret, `whsec_<base64>`. Shown once; store it now."
    )


def secret_status(character: Character) -> WebhookSecretOut:
    enabled = character.webhook_secret is not None
    return WebhookSecretOut(
        enabled=enabled, created_at=character.webhook_secret_created_at if enabled else None
    )


def unseal_webhook_secret(character: Character, box: SecretBox) -> str | None:
    """The plaintext secret, for the agent runtime only — never a response or a log line.

    Raises :class:`oshara.crypto.SecretBoxError` if it cannot be decrypted (like tool headers).
    """
    if character.webhook_secret is None:
        return None
    return box.decrypt(character.webhook_secret)


class WebhookSecretService:
    """Create, rotate, inspect and remove a character's secret, in the caller's organization
    (through :class:`CharacterRepository`: another organization's character is a 404).
    Runs in the caller's transaction (never commits)."""

    def __init__(self, db: AsyncSession, settings: Settings) -> None:
        self.db = db
        self.repo = CharacterRepository(db)
        self.box = SecretBox(settings.ensure_secret())

    async def status(self, subject: AuthSubject, slug: str) -> WebhookSecretOut:
        return secret_status(await self.repo.get_readable(subject, slug))

    async def rotate(self, subject: AuthSubject, slug: str) -> WebhookSecretCreated:
        """A new secret replaces the old one at once (sessions already running keep theirs)."""
        character = await self.repo.get_readable(subject, slug)
        secret = new_webhook_secret()
        created_at = utcnow()
        character.webhook_secret = self.box.encrypt(secret)
        character.webhook_secret_created_at = created_at
        await self.db.flush()
        return WebhookSecretCreated(enabled=True, created_at=created_at, secret=secret)

    async def disable(self, subject: AuthSubject, slug: str) -> None:
        """Stop signing (idempotent)."""
        character = await self.repo.get_readable(subject, slug)
        character.webhook_secret = None
        character.webhook_secret_created_at = None
        await self.db.flush()
