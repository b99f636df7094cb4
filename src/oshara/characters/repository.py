"""Character queries. Tenant scoping lives here and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.subject import AuthSubject
from oshara.characters.models import Character
from oshara.errors import NotFound


class CharacterRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    @staticmethod
    def readable(subject: AuthSubject) -> Select[Character]:
        return select(Character).where(Character.organization_id == subject.organization_id)

    async def list_readable(
        self, subject: AuthSubject, *, limit: int, offset: int
    ) -> Sequence[Character]:
        stmt = (
            self.readable(subject)
            .order_by(Character.created_at, Character.slug)
            .limit(limit)
            .offset(offset)
        )
        return (await self.db.scalars(stmt)).all()

    async def get_readable(self, subject: AuthSubject, slug: str) -> Character:
        """The caller's character; another organization's answers 404 exactly like a missing one."""
        found = await self.db.scalar(self.readable(subject).where(Character.slug == slug))
        if found is None:
            raise NotFound(f"Character {slug!r} not found")
        return found

    async def slug_exists(self, slug: str) -> bool:
        return await self.db.scalar(select(Character.id).where(Character.slug == slug)) is not None
