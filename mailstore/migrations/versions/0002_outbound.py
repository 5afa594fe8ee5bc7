"""outbound delivery state: remote host, TLS use, delay notice

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('queue_recipients', sa.Column('remote_host', sa.Text(), nullable=True, comment='Host that gave the last reply (MX or relayhost, with its address).'))
    op.add_column('queue_recipients', sa.Column('tls', sa.Text(), nullable=True, comment="TLS version of the last attempt's connection; NULL: plaintext or none made."))
    op.add_column('queue_recipients', sa.Column('delay_notified', sa.Boolean(), server_default='false', nullable=False, comment='A delayed-delivery DSN was sent to the sender.'))


def downgrade() -> None:
    op.drop_column('queue_recipients', 'delay_notified')
    op.drop_column('queue_recipients', 'tls')
    op.drop_column('queue_recipients', 'remote_host')
