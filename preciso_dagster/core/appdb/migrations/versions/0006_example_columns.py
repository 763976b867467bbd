"""training example columns: every amount of a line item with its header, and its box

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 13:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_examples") as batch:
        batch.add_column(sa.Column("columns", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("box", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training_examples") as batch:
        batch.drop_column("box")
        batch.drop_column("columns")
