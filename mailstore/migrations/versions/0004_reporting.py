"""reporting: mail log tables and the report schema of views

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08

``received_log`` and ``delivery_log`` are durable reporting facts written in the delivery and
queue transactions; the ``report`` schema holds the views of
``mailstore/reports/views_0004.py`` (frozen with this revision), owned by the user running the
migration, so a role granted only those views needs no right on the tables they read.
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from mailstore.reports.views_0004 import VIEWS

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('received_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False, comment='Log row id.'),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False, comment='When the delivery transaction ran (its COMMIT made the message accepted).'),
    sa.Column('protocol', sa.Text(), nullable=False, comment='How it came in: smtp (the MX) | submission | lmtp | deliver (the CLI agent).'),
    sa.Column('client_address', sa.Text(), nullable=True, comment='IP address of the SMTP/LMTP client; NULL for the deliver command.'),
    sa.Column('helo', sa.Text(), nullable=True, comment='HELO/EHLO name the client gave, if any.'),
    sa.Column('sender', sa.Text(), nullable=False, comment='Envelope sender (MAIL FROM); empty for the null sender <>.'),
    sa.Column('sender_domain', sa.Text(), nullable=False, comment='Lower-case domain of the envelope sender; empty for <>.'),
    sa.Column('transaction_id', sa.Text(), nullable=True, comment='Our id of the SMTP transaction (as in our Received field and log lines).'),
    sa.Column('message_id', sa.Text(), server_default='', nullable=False, comment='Message-ID header of the message; empty when it had none.'),
    sa.Column('body_id', sa.BigInteger(), nullable=False, comment='bodies.id stored (no foreign key: the log outlives the body).'),
    sa.Column('size', sa.BigInteger(), nullable=False, comment='Size of the stored message in octets.'),
    sa.Column('local_recipients', sa.Integer(), nullable=False, comment='Number of local accounts the message was stored for in this transaction.'),
    sa.Column('remote_recipients', sa.Integer(), server_default='0', nullable=False, comment='Number of remote recipients handed to the outbound queue.'),
    sa.Column('recipients', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False, comment='Addresses of the local accounts it was stored for.'),
    sa.Column('recipient_domains', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False, comment='Distinct domains of those accounts.'),
    sa.Column('spf', sa.Text(), nullable=True, comment='SPF result (RFC 7208 §2.6: pass, fail, softfail, ...); NULL: not checked.'),
    sa.Column('spf_domain', sa.Text(), nullable=True, comment='Domain SPF was checked for.'),
    sa.Column('dkim', sa.Text(), nullable=True, comment="DKIM result: pass when a signature verified, else the first signature's result, none without signatures (RFC 8601 §2.7.1); NULL: not checked."),
    sa.Column('dkim_domain', sa.Text(), nullable=True, comment='d= of the signature that gave dkim.'),
    sa.Column('dmarc', sa.Text(), nullable=True, comment='DMARC result (RFC 7489 §11.2: pass, fail, none, ...); NULL: not checked.'),
    sa.Column('dmarc_domain', sa.Text(), nullable=True, comment='RFC5322.From domain DMARC evaluated.'),
    sa.PrimaryKeyConstraint('id', name='received_log_pkey'),
    comment='One row per accepted inbound transaction, written in the delivery transaction; pruned by `mailstore report prune`.'
    )
    op.create_index('received_log_received_at', 'received_log', ['received_at'], unique=False)
    op.create_index('received_log_sender_domain', 'received_log', ['sender_domain', 'received_at'], unique=False)
    op.create_index('received_log_recipient_domains', 'received_log', ['recipient_domains'], unique=False, postgresql_using='gin')
    op.create_table('delivery_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False, comment='Log row id.'),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False, comment="When the attempt ended (the queue worker's clock)."),
    sa.Column('queue_id', sa.BigInteger(), nullable=False, comment='queue_messages.id (no foreign key: the message leaves the queue).'),
    sa.Column('sender', sa.Text(), nullable=False, comment='Envelope sender of the queued message; empty for <> (bounces).'),
    sa.Column('sender_domain', sa.Text(), nullable=False, comment='Lower-case domain of the sender.'),
    sa.Column('recipient', sa.Text(), nullable=False, comment='Envelope recipient.'),
    sa.Column('domain', sa.Text(), nullable=False, comment='Lower-case destination domain.'),
    sa.Column('outcome', sa.Text(), nullable=False, comment='delivered | deferred (will retry) | bounced (given up, DSN sent).'),
    sa.Column('attempt', sa.Integer(), nullable=False, comment='Number of this attempt (1 = first).'),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False, comment='When it was queued.'),
    sa.Column('delay', sa.Interval(), nullable=False, comment='attempted_at - queued_at: how long the recipient had waited.'),
    sa.Column('size', sa.BigInteger(), nullable=False, comment='Message size in octets.'),
    sa.Column('remote_host', sa.Text(), nullable=True, comment='Host that replied (MX or relayhost).'),
    sa.Column('reply', sa.Text(), nullable=True, comment='The SMTP reply or the error.'),
    sa.Column('tls', sa.Text(), nullable=True, comment='TLS version of the connection; NULL: plaintext.'),
    sa.PrimaryKeyConstraint('id', name='delivery_log_pkey'),
    comment='One row per outbound recipient attempt, written in the transaction that records it in the queue; pruned by `mailstore report prune`.'
    )
    op.create_index('delivery_log_attempted_at', 'delivery_log', ['attempted_at'], unique=False)
    op.create_index('delivery_log_domain', 'delivery_log', ['domain', 'attempted_at'], unique=False)
    op.create_index('delivery_log_sender_domain', 'delivery_log', ['sender_domain', 'attempted_at'], unique=False)

    # IF NOT EXISTS: a database whose public schema was dropped and re-created keeps an empty
    # report schema (DROP SCHEMA public CASCADE removes the views, not their schema)
    op.execute("CREATE SCHEMA IF NOT EXISTS report")
    op.execute(
        "COMMENT ON SCHEMA report IS 'Stable reporting views over the mail store; the only "
        "schema the reporting role (mailstore db grant-reporting) may read.'"
    )
    for view in VIEWS:
        for statement in view.create_statements():
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP SCHEMA report CASCADE")
    op.drop_index('delivery_log_sender_domain', table_name='delivery_log')
    op.drop_index('delivery_log_domain', table_name='delivery_log')
    op.drop_index('delivery_log_attempted_at', table_name='delivery_log')
    op.drop_table('delivery_log')
    op.drop_index('received_log_recipient_domains', table_name='received_log', postgresql_using='gin')
    op.drop_index('received_log_sender_domain', table_name='received_log')
    op.drop_index('received_log_received_at', table_name='received_log')
    op.drop_table('received_log')
