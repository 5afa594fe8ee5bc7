"""The shared MetaData (with PostgreSQL's constraint names), sequences and defaults."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    MetaData,
    Sequence,
    func,
)

metadata = MetaData(
    naming_convention={
        "ix": "%(table_name)s_%(column_0_name)s_idx",
        "uq": "%(table_name)s_%(column_0_name)s_key",
        "ck": "%(table_name)s_%(constraint_name)s_check",
        "fk": "%(table_name)s_%(column_0_name)s_fkey",
        "pk": "%(table_name)s_pkey",
    }
)

#: Global sequence for mailbox ids (mailbox rows are keyed (account_id, id)).
mailbox_id_seq = Sequence("mailbox_id_seq", metadata=metadata, start=1)
#: UIDVALIDITY values: strictly increasing across the database, so a mailbox re-created under an
#: old name never reuses a UIDVALIDITY (RFC 9051 §2.3.1.1). Kept below 2^32.
uidvalidity_seq = Sequence("uidvalidity_seq", metadata=metadata, start=1, maxvalue=4294967295)


def _now() -> Any:
    return func.now()
