"""Sizes of a message on line-oriented wires (POP3 RETR), computed once at ingest.

RFC 1939 §5: STAT/LIST count the octets RETR sends before dot-stuffing. Messages are stored
exactly as received, possibly with bare LF line ends, and are sent with CRLF line ends:

* a bare LF becomes CRLF;
* a message with no LF at all but CRs (old Mac form) has each CR read as a line end, as the
  ingest parser reads it;
* other lone CRs are line content and stay;
* a message not ending with a line end gets CRLF.
"""

from __future__ import annotations


def crlf_size(raw: bytes) -> int:
    """Octets of ``raw`` with CRLF line ends and a final CRLF (0 for an empty message)."""
    if not raw:
        return 0
    if b"\n" not in raw:
        crs = raw.count(b"\r")  # each CR becomes CRLF
        return len(raw) + crs + (0 if raw.endswith(b"\r") else 2)
    bare_lf = raw.count(b"\n") - raw.count(b"\r\n")
    return len(raw) + bare_lf + (0 if raw.endswith(b"\n") else 2)
