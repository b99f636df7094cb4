"""knowledge base

Documents and chunks per character, plus the full-text indexes autogenerate cannot express:

- SQLite: an FTS5 external-content table ``knowledge_chunks_fts`` (porter + unicode61, so
  English words match their inflections) over ``knowledge_chunks``, kept in sync by three
  triggers. ``character_id`` is an indexed FTS column so a search intersects with one
  character's rows inside the index. Careful: a future *batch* migration that recreates
  ``knowledge_chunks`` on SQLite drops these triggers; recreate them afterwards.
- PostgreSQL: ``knowledge_chunks.search_vector`` is a ``tsvector`` (filled at insert with the
  document's text-search configuration) with a GIN index.

Revision ID: 9dfdfb4fea6a
Revises: 160cbac186d5
Create Date: 2026-11-25 08:35:41.030736
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import oshara.db.base

revision: str = "9dfdfb4fea6a"
down_revision: str | None = "160cbac186d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    """
    CREATE VIRTUAL TABLE knowledge_chunks_fts USING fts5(
        character_id, heading, text,
        content='knowledge_chunks', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER knowledge_chunks_fts_ai AFTER INSERT ON knowledge_chunks BEGIN
        INSERT INTO knowledge_chunks_fts(rowid, character_id, heading, text)
        VALUES (new.id, new.character_id, new.heading, new.text);
    END
    """,
    """
    CREATE TRIGGER knowledge_chunks_fts_ad AFTER DELETE ON knowledge_chunks BEGIN
        INSERT INTO knowledge_chunks_fts(knowledge_chunks_fts, rowid, character_id, heading, text)
        VALUES ('delete', old.id, old.character_id, old.heading, old.text);
    END
    """,
    """
    CREATE TRIGGER knowledge_chunks_fts_au AFTER UPDATE ON knowledge_chunks BEGIN
        INSERT INTO knowledge_chunks_fts(knowledge_chunks_fts, rowid, character_id, heading, text)
        VALUES ('delete', old.id, old.character_id, old.heading, old.text);
        INSERT INTO knowledge_chunks_fts(rowid, character_id, heading, text)
        VALUES (new.id, new.character_id, new.heading, new.text);
    END
    """,
]


def upgrade() -> None:
    op.create_table(
        "knowledge_documents",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("character_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("char_count", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("total_chunks", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("ts_config", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", oshara.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", oshara.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["character_id"],
            ["characters.id"],
            name=op.f("fk_knowledge_documents_character_id_characters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_knowledge_documents_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_documents")),
    )
    with op.batch_alter_table("knowledge_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_documents_character_id"), ["character_id"], unique=False
        )
        batch_op.create_index(
            "ix_knowledge_documents_character_id_sha256", ["character_id", "sha256"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_knowledge_documents_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_knowledge_documents_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "knowledge_chunks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("character_id", sa.Uuid(), nullable=False),
        sa.Column("chunk_index", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=300), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "search_vector",
            sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["character_id"],
            ["characters.id"],
            name=op.f("fk_knowledge_chunks_character_id_characters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_chunks_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_chunks")),
        sa.UniqueConstraint(
            "document_id",
            "chunk_index",
            name=op.f("uq_knowledge_chunks_document_id_chunk_index"),
        ),
    )
    with op.batch_alter_table("knowledge_chunks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_chunks_character_id"), ["character_id"], unique=False
        )
        batch_op.create_index(
            "ix_knowledge_chunks_search_vector",
            ["search_vector"],
            unique=False,
            postgresql_using="gin",
        )

    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS knowledge_chunks_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS knowledge_chunks_fts")

    with op.batch_alter_table("knowledge_chunks", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_chunks_search_vector", postgresql_using="gin")
        batch_op.drop_index(batch_op.f("ix_knowledge_chunks_character_id"))

    op.drop_table("knowledge_chunks")
    with op.batch_alter_table("knowledge_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_documents_organization_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_documents_created_at"))
        batch_op.drop_index("ix_knowledge_documents_character_id_sha256")
        batch_op.drop_index(batch_op.f("ix_knowledge_documents_character_id"))

    op.drop_table("knowledge_documents")
