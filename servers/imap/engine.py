"""The engine API as the IMAP front end uses it: the one module here that imports ``mailstore``.

Everything else imports these names from ``servers.imap.engine``, so the storage seam
(DESIGN.md "The two layers") is one short list.
"""

from mailstore.config import Config, parse_hostport
from mailstore.errors import (
    AlreadyExists,
    Cannot,
    InvalidArgument,
    MailstoreError,
    NotFound,
    OverQuota,
    Temporary,
)
from mailstore.message.imapfmt import bodystructure_to_wire, envelope_to_wire
from mailstore.store import (
    Account,
    Change,
    ChangeListener,
    FlagOp,
    MailboxInfo,
    MessageRow,
    SortKey,
    Store,
    Stored,
    StoreResult,
    Target,
    ThreadInfo,
    prepare,
)
from mailstore.store import search as query
from mailstore.store.flags import join_flags, split_flags
from mailstore.store.mailboxes import SEPARATOR, SPECIAL_USES, parents_of, pattern_regex

__all__ = [
    "SEPARATOR",
    "SPECIAL_USES",
    "Account",
    "AlreadyExists",
    "Cannot",
    "Change",
    "ChangeListener",
    "Config",
    "FlagOp",
    "InvalidArgument",
    "MailboxInfo",
    "MailstoreError",
    "MessageRow",
    "NotFound",
    "OverQuota",
    "SortKey",
    "Store",
    "StoreResult",
    "Stored",
    "Target",
    "Temporary",
    "ThreadInfo",
    "bodystructure_to_wire",
    "envelope_to_wire",
    "join_flags",
    "parents_of",
    "parse_hostport",
    "pattern_regex",
    "prepare",
    "query",
    "split_flags",
]
