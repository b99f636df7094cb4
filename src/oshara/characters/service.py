"""Creating, replacing, patching and deleting characters; their owner and public views."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.subject import AuthSubject
from oshara.characters.models import Character
from oshara.characters.repository import CharacterRepository
from oshara.characters.schemas import AppearanceOut, CharacterCreate, CharacterOut, CharacterUpdate
from oshara.characters.tools import ToolSecretError, public_tools, seal_tools
from oshara.config import Settings
from oshara.crypto import SecretBox
from oshara.errors import Conflict, ValidationFailed
from oshara.http import format_loc, pydantic_errors

# Columns set from the validated body one-to-one.
_PLAIN_FIELDS = (
    "name",
    "system_prompt",
    "greeting",
    "language",
    "allowed_origins",
    "llm_model",
    "stt_model",
    "tts_model",
    "voice",
)


def check_providers(target: CharacterCreate) -> None:
    """Provider strings must name something the runtime knows (nothing is loaded here)."""
    from oshara.providers.registry import ProviderError, validate_provider

    errors = []
    for field, role in (("llm_model", "llm"), ("stt_model", "stt"), ("tts_model", "tts")):
        try:
            validate_provider(role, getattr(target, field))
        except ProviderError as exc:
            errors.append({"field": field, "message": str(exc)})
    if errors:
        raise ValidationFailed(errors)


def _slug_taken(slug: str) -> Conflict:
    return Conflict(
        f"Slug {slug!r} is already taken; slugs are unique across this server",
        extra={"errors": [{"field": "slug", "message": "already taken"}]},
    )


class CharacterService:
    """Stateless; runs in the caller's transaction (never commits)."""

    def __init__(self, db: AsyncSession, settings: Settings) -> None:
        self.db = db
        self.repo = CharacterRepository(db)
        self.box = SecretBox(settings.ensure_secret())

    def _write(self, character: Character, target: CharacterCreate) -> None:
        """Set every column from a fully validated character; tool headers are sealed."""
        check_providers(target)
        for field in _PLAIN_FIELDS:
            setattr(character, field, getattr(target, field))
        character.widget_appearance = target.widget_appearance.to_json()
        character.limits = target.limits.model_dump(mode="json")
        character.builtins = target.builtins.model_dump(mode="json")
        try:
            character.tools = seal_tools(target.tools, character.tools or [], self.box)
        except ToolSecretError as exc:
            raise ValidationFailed(
                [{"field": format_loc(exc.loc), "message": exc.message}]
            ) from exc

    async def _flush_unique(self, slug: str) -> None:
        try:
            async with self.db.begin_nested():
                await self.db.flush()
        except IntegrityError as exc:
            raise _slug_taken(slug) from exc

    async def create(self, subject: AuthSubject, body: CharacterCreate) -> Character:
        if await self.repo.slug_exists(body.slug):
            raise _slug_taken(body.slug)
        character = Character(organization_id=subject.organization_id, slug=body.slug, tools=[])
        self._write(character, body)
        self.db.add(character)
        await self._flush_unique(body.slug)
        return character

    async def replace(self, subject: AuthSubject, slug: str, raw: dict[str, Any]) -> Character:
        """PUT: every field is set from the body; omitted ones return to their defaults."""
        character = await self.repo.get_readable(subject, slug)
        raw = {"slug": slug, **raw}
        body = _parse(CharacterCreate, raw)
        if body.slug != slug:
            raise ValidationFailed([{"field": "slug", "message": "cannot be changed"}])
        self._write(character, body)
        await self.db.flush()
        return character

    async def update(self, subject: AuthSubject, slug: str, body: CharacterUpdate) -> Character:
        """PATCH: only the fields sent change; sending ``tools`` replaces the whole list."""
        character = await self.repo.get_readable(subject, slug)
        if body.slug is not None and body.slug != slug:
            raise ValidationFailed([{"field": "slug", "message": "cannot be changed"}])
        self._write(character, body.apply_to(current_model(character)))
        await self.db.flush()
        return character

    async def delete(self, subject: AuthSubject, slug: str) -> None:
        character = await self.repo.get_readable(subject, slug)
        await self.db.delete(character)
        await self.db.flush()


def _parse(model: type[CharacterCreate], raw: dict[str, Any]) -> CharacterCreate:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_errors(exc)) from exc


def _stored_fields(character: Character) -> dict[str, Any]:
    return {
        "slug": character.slug,
        "name": character.name,
        "system_prompt": character.system_prompt,
        "greeting": character.greeting,
        "language": character.language,
        "allowed_origins": character.allowed_origins,
        "llm_model": character.llm_model,
        "stt_model": character.stt_model,
        "tts_model": character.tts_model,
        "voice": character.voice,
        "widget_appearance": character.widget_appearance or {},
        "tools": public_tools(character.tools or []),
        "limits": character.limits or {},
        "builtins": character.builtins or {},
    }


def current_model(character: Character) -> CharacterCreate:
    """The stored character as a validated body (tool headers masked), for PATCH merging."""
    return CharacterCreate.model_validate(_stored_fields(character))


def character_out(character: Character, subject: AuthSubject | None = None) -> CharacterOut:
    """The owner's view: everything, with tool header values masked.

    For a ``member`` (``subject.sees_owner_data`` is false) the system prompt and the tools
    (URLs, MCP servers, schemas) are owner data: both are ``null``.
    """
    fields = _stored_fields(character)
    if subject is not None and not subject.sees_owner_data:
        fields["system_prompt"] = None
        fields["tools"] = None
    return CharacterOut.model_validate(
        {**fields, "created_at": character.created_at, "updated_at": character.updated_at}
    )


def appearance_out(character: Character) -> AppearanceOut:
    """The public view for the widget: never tools, prompts, headers or models."""
    return AppearanceOut.build(
        slug=character.slug,
        name=character.name,
        language=character.language,
        widget_appearance=character.widget_appearance,
    )
