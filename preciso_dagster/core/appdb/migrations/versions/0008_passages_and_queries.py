"""passages and queries: the full-text passage index and the questions asked over it

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# SQLite: an external-content FTS5 table kept in step by triggers; bm25() ranks.
# Porter stemming over unicode61, so "revenues" finds "revenue"; CJK arrives as bigram words.
SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE passages_fts USING fts5(search_text, content='passages', "
    "content_rowid='passage_id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN "
    "INSERT INTO passages_fts(rowid, search_text) VALUES (new.passage_id, new.search_text); END",
    "CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN "
    "INSERT INTO passages_fts(passages_fts, rowid, search_text) "
    "VALUES ('delete', old.passage_id, old.search_text); END",
    "CREATE TRIGGER passages_fts_update AFTER UPDATE ON passages BEGIN "
    "INSERT INTO passages_fts(passages_fts, rowid, search_text) "
    "VALUES ('delete', old.passage_id, old.search_text); "
    "INSERT INTO passages_fts(rowid, search_text) VALUES (new.passage_id, new.search_text); END",
)
# PostgreSQL: a generated tsvector (the `english` configuration stems like Porter) in GIN.
POSTGRES_INDEX = (
    "ALTER TABLE passages ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED",
    "CREATE INDEX ix_passages_search_vector ON passages USING GIN (search_vector)",
)


def upgrade() -> None:
    op.create_table(
        "passages",
        sa.Column("passage_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("page_index", sa.Integer(), nullable=False),
        sa.Column("line_start", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("passage", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.document_id"]),
        sa.PrimaryKeyConstraint("passage_id"),
    )
    op.create_index("ix_passages_document_id", "passages", ["document_id"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_INDEX if dialect == "sqlite" else POSTGRES_INDEX:
        op.execute(statement)
    op.create_table(
        "queries",
        sa.Column("query_id", sa.Uuid(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("heavy", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["pipeline_jobs.job_id"]),
        sa.PrimaryKeyConstraint("query_id"),
    )


def downgrade() -> None:
    op.drop_table("queries")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE passages_fts")  # its triggers go with the passages table
    op.drop_index("ix_passages_document_id", table_name="passages")
    op.drop_table("passages")
