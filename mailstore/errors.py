"""Domain errors raised by the engine; each front end maps them to its protocol's replies.

The message of an error is safe to show a client (no SQL, no internals); details go to the log.
"""

from __future__ import annotations


class MailstoreError(Exception):
    """Base class of every error the engine raises on purpose."""


class NotFound(MailstoreError):
    """The named account, domain, alias, mailbox or message does not exist."""


class AlreadyExists(MailstoreError):
    """The object to create exists already."""


class InvalidArgument(MailstoreError):
    """A name, address or value is malformed (bad mailbox name, bad address, ...)."""


class Cannot(MailstoreError):
    """The operation is not allowed on this object (e.g. deleting INBOX)."""


class OverQuota(MailstoreError):
    """Storing this would exceed the account's quota (SMTP 452/552, IMAP [OVERQUOTA])."""


class Temporary(MailstoreError):
    """A transient failure (database unreachable, lock timeout): try again later (SMTP 451)."""
