"""review item kind: a number, or a region of ink no engine read

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="number")
        )


def downgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("kind")
