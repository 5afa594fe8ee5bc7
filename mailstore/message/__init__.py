"""Message parsing at ingest: raw RFC 5322 bytes -> everything FETCH, SEARCH and
SORT need, plus the IMAP wire encoders for ENVELOPE and BODYSTRUCTURE.

Pure code over bytes: no I/O, no database.  See :func:`parse_message`.
"""

from .imapfmt import bodystructure_to_wire, envelope_to_wire
from .parse import ParsedMessage, PartOffsets, parse_message

__all__ = [
    "ParsedMessage",
    "PartOffsets",
    "bodystructure_to_wire",
    "envelope_to_wire",
    "parse_message",
]
