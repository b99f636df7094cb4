"""Knowledge-base queries. Tenant scoping goes through the character repository: a document
is reachable only through a character the caller's organization owns."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.subject import AuthSubject
from oshara.characters.models import Character
from oshara.characters.repository import CharacterRepository
from oshara.errors import NotFound
from oshara.knowledge.models import DocumentStatus, KnowledgeChunk, KnowledgeDocument


@dataclass(frozen=True)
class Usage:
    documents: int
    total_bytes: int


def parse_document_id(value: str) -> uuid.UUID:
    """A document id from a URL; anything that is not a UUID is a missing document (404)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"Document {value!r} not found") from None


class KnowledgeRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def character(self, subject: AuthSubject, slug: str) -> Character:
        """The caller's character (404 for another organization's)."""
        return await CharacterRepository(self.db).get_readable(subject, slug)

    async def list_documents(
        self, character: Character, *, limit: int, offset: int
    ) -> Sequence[KnowledgeDocument]:
        stmt = (
            select(KnowledgeDocument)
            .where(KnowledgeDocument.character_id == character.id)
            .order_by(KnowledgeDocument.created_at, KnowledgeDocument.id)
            .limit(limit)
            .offset(offset)
        )
        return (await self.db.scalars(stmt)).all()

    async def get(self, character: Character, document_id: str) -> KnowledgeDocument:
        doc_id = parse_document_id(document_id)
        found = await self.db.scalar(
            select(KnowledgeDocument).where(
                KnowledgeDocument.id == doc_id, KnowledgeDocument.character_id == character.id
            )
        )
        if found is None:
            raise NotFound(f"Document {document_id!r} not found")
        return found

    async def usage(self, character: Character) -> Usage:
        row = (
            await self.db.execute(
                select(
                    func.count(KnowledgeDocument.id),
                    func.coalesce(func.sum(KnowledgeDocument.size_bytes), 0),
                ).where(KnowledgeDocument.character_id == character.id)
            )
        ).one()
        return Usage(int(row[0]), int(row[1]))

    async def find_duplicate(self, character: Character, sha256: str) -> KnowledgeDocument | None:
        return await self.db.scalar(
            select(KnowledgeDocument)
            .where(
                KnowledgeDocument.character_id == character.id,
                KnowledgeDocument.sha256 == sha256,
                KnowledgeDocument.status != DocumentStatus.FAILED,
            )
            .limit(1)
        )

    async def delete(self, document: KnowledgeDocument) -> None:
        """Delete a document and its chunks (and so their index entries)."""
        await self.db.execute(
            delete(KnowledgeChunk).where(KnowledgeChunk.document_id == document.id)
        )
        await self.db.execute(delete(KnowledgeDocument).where(KnowledgeDocument.id == document.id))
