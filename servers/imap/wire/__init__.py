"""IMAP wire layer: framing of client input and encoding of server responses.

Pure code over bytes; no sockets, no database (DESIGN.md "servers/").
"""

from .codes import ResponseCode, Status
from .reader import (
    CommandBytes,
    CommandReader,
    LimitExceeded,
    LineTooLong,
    LiteralData,
    LiteralTooBig,
    NeedContinuation,
    RawLine,
    ReaderEvent,
    ReaderLimits,
    Segment,
    TooManyLiterals,
)

__all__ = [
    "CommandBytes",
    "CommandReader",
    "LimitExceeded",
    "LineTooLong",
    "LiteralData",
    "LiteralTooBig",
    "NeedContinuation",
    "RawLine",
    "ReaderEvent",
    "ReaderLimits",
    "ResponseCode",
    "Segment",
    "Status",
    "TooManyLiterals",
]
