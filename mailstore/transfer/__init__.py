"""Migration: import and export mbox files and Maildir trees (``mailstore import|export``).

* :mod:`.mbox`, :mod:`.maildir`: streaming readers and writers of the formats;
* :mod:`.flags`, :mod:`.names`: flags and mailbox names as those formats spell them;
* :mod:`.importer`: the pipeline (read, dedup, parse, store in batches) into the engine;
* :mod:`.exporter`: mailboxes out to mbox or Maildir++;
* :mod:`.tree`: finding each user's Maildir in a hosting tree.
"""

from mailstore.transfer.exporter import Exporter, ExportResult
from mailstore.transfer.importer import Importer, ImportOptions, MailboxResult, Progress
from mailstore.transfer.maildir import MaildirReader, find_folders
from mailstore.transfer.mbox import MboxFormat, MboxReader, find_mboxes
from mailstore.transfer.source import Source, SourceMessage, TransferError
from mailstore.transfer.tree import TreeAccount, find_accounts

__all__ = [
    "ExportResult",
    "Exporter",
    "ImportOptions",
    "Importer",
    "MailboxResult",
    "MaildirReader",
    "MboxFormat",
    "MboxReader",
    "Progress",
    "Source",
    "SourceMessage",
    "TransferError",
    "TreeAccount",
    "find_accounts",
    "find_folders",
    "find_mboxes",
]
