"""The demo account and character that ``scripts/start`` (``oshara serve --demo``) sets up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from oshara.auth.service import AuthService
from oshara.auth.subject import AuthSubject
from oshara.characters.models import Character
from oshara.characters.schemas import CharacterCreate, CharacterUpdate
from oshara.characters.service import CharacterService
from oshara.config import Settings
from oshara.db.engine import create_engine, create_sessionmaker
from oshara.orgs.models import Membership, User

DEMO_EMAIL = "demo@oshara.local"
DEMO_PASSWORD = "oshara-demo"  # development only; refused in production
DEMO_SLUG = "demo"


def demo_character(public_url: str) -> dict[str, Any]:
    origins = [public_url] if public_url else []
    return {
        "slug": DEMO_SLUG,
        "name": "Ada",
        "system_prompt": (
            "You are Ada, the friendly demo agent of Oshara, a self-hosted platform for voice "
            "agents on websites. Answer in one or two short spoken sentences, no lists or "
            "markdown. The visitor's name is {{user_name}} (it may be empty). Today is {{date}}."
        ),
        "greeting": "Hi, I'm Ada, Oshara's demo agent. What would you like to know?",
        "language": "en",
        "llm_model": "local:qwen2.5-0.5b",
        "allowed_origins": origins,
        "widget_appearance": {
            "name": "Ada",
            "theme": {"primary_color": "#4F46E5"},
            "forms": [
                {
                    "id": "contact",
                    "title": "Send us a message",
                    "submit_url": None,
                    "success_message": "Thanks! We'll get back to you.",
                    "fields": [
                        {"name": "name", "label": "Name", "type": "text", "required": True},
                        {"name": "email", "label": "Email", "type": "email", "required": True},
                        {
                            "name": "message",
                            "label": "Message",
                            "type": "textarea",
                            "required": True,
                            "rows": 4,
                        },
                    ],
                }
            ],
        },
    }


async def seed_demo(settings: Settings, *, public_url: str) -> str:
    """Create the demo user and character if missing (idempotent). Returns a short summary."""
    if settings.env == "production":
        return "demo data is not created in production"
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as db:
            auth = AuthService(db, settings)
            user = await db.scalar(select(User).where(User.email == DEMO_EMAIL))
            if user is None:
                user, _org = await auth.create_user(
                    DEMO_EMAIL, DEMO_PASSWORD, full_name="Demo", org_name="Demo"
                )
            membership = await db.scalar(select(Membership).where(Membership.user_id == user.id))
            assert membership is not None
            subject = AuthSubject(
                kind="user", organization_id=membership.organization_id, user_id=user.id
            )
            service = CharacterService(db, settings)
            data = demo_character(public_url)
            existing = await db.scalar(select(Character).where(Character.slug == DEMO_SLUG))
            if existing is None:
                await service.create(subject, CharacterCreate.model_validate(data))
            elif existing.organization_id == membership.organization_id and public_url:
                origins = sorted({*existing.allowed_origins, *data["allowed_origins"]})
                await service.update(subject, DEMO_SLUG, CharacterUpdate(allowed_origins=origins))
            await db.commit()
    finally:
        await engine.dispose()
    return (
        f"demo ready: sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}; "
        f"character {DEMO_SLUG!r} ({public_url or 'no public URL'})"
    )
