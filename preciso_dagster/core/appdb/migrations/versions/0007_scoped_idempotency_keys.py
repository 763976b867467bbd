"""scoped idempotency keys: a caller's keys carry the caller, internal keys their own prefix

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 17:10:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Before this revision every key was one namespace. The bridge's own keys (`extract:<doc>`)
# move under `internal|`; a caller's old keys stay as they are and can no longer collide with
# new ones, which carry `<role>:<fingerprint>|`.


def upgrade() -> None:
    op.execute(
        "UPDATE pipeline_jobs SET idempotency_key = 'internal|' || idempotency_key "
        "WHERE idempotency_key LIKE 'extract:%' AND source = 'api'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE pipeline_jobs SET idempotency_key = substr(idempotency_key, 10) "
        "WHERE idempotency_key LIKE 'internal|%'"
    )
