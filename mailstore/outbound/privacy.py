"""Privacy rewriting of submitted mail before it leaves (``[queue] hide_client_ip``,
``[queue] strip_mailer``): pure code over the raw bytes, applied before DKIM signing.

* The topmost ``Received`` field, the one our submission server wrote, names the client's HELO
  and IP address (``from laptop.home ([192.0.2.7])``); it becomes ``from localhost
  ([127.0.0.1])``, so the field keeps its RFC 5321 §4.4 form without giving the user away.
* ``User-Agent`` and ``X-Mailer`` fields (the client program and often its OS) are removed.
"""

from __future__ import annotations

import re

from mailstore.message.headers import find_header_end

#: The FROM clause of a Received field: ``from <helo> (<TCP-info>)``.
_RECEIVED_FROM = re.compile(rb"^(Received:[ \t]*)from[ \t]+\S+[ \t]+\([^)]*\)", re.IGNORECASE)
_MAILER_FIELDS = (b"user-agent", b"x-mailer")


def scrub(raw: bytes, *, hide_client_ip: bool, strip_mailer: bool) -> bytes:
    if not hide_client_ip and not strip_mailer:
        return raw
    end = find_header_end(raw, 0, len(raw))
    fields = _split_fields(raw[:end])
    out = []
    rewritten = False
    for field in fields:
        name = field.split(b":", 1)[0].strip().lower()
        if strip_mailer and name in _MAILER_FIELDS:
            continue
        if hide_client_ip and name == b"received" and not rewritten:
            field = _RECEIVED_FROM.sub(rb"\1from localhost ([127.0.0.1])", field, count=1)
            rewritten = True
        out.append(field)
    return b"".join(out) + raw[end:]


def _split_fields(header: bytes) -> list[bytes]:
    """The header block as a list of whole fields, folded lines kept; the blank line last."""
    fields: list[bytes] = []
    for line in header.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return fields
