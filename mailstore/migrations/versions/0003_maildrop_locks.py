"""POP3 maildrop locks shared by all processes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('maildrop_locks',
    sa.Column('account_id', sa.BigInteger(), nullable=False, comment='Account whose maildrop (INBOX) a POP3 session holds.'),
    sa.Column('holder', sa.Text(), nullable=False, comment='Process and session holding the lock.'),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False, comment='Lease end: the holder renews it; another session may take an expired lock.'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name='maildrop_locks_account_id_fkey', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name='maildrop_locks_pkey'),
    comment='POP3 exclusive-access locks shared by every front-end process (RFC 1939 §8).'
    )


def downgrade() -> None:
    op.drop_table('maildrop_locks')
