"""The CAPABILITY lists (RFC 9051 §6.1.1, §7.2.2): before and after authentication.

Before login a client learns only what it needs to log in safely (STARTTLS, LOGINDISABLED or
AUTH=PLAIN, SASL-IR); the full list comes with the tagged OK of LOGIN/AUTHENTICATE.
"""

from __future__ import annotations

__all__ = ["ENABLEABLE", "after_login", "before_login"]

#: Extensions ENABLE can turn on (RFC 5161 §4), upper case.
ENABLEABLE = ("CONDSTORE", "QRESYNC", "UTF8=ACCEPT", "IMAP4REV2")

_COMMON = ("IMAP4rev1", "IMAP4rev2", "LITERAL+", "ID", "ENABLE", "IDLE")

_AUTHENTICATED = (
    "NAMESPACE",  # RFC 2342
    "UNSELECT",  # RFC 3691
    "UIDPLUS",  # RFC 4315
    "MOVE",  # RFC 6851
    "CONDSTORE",  # RFC 7162
    "QRESYNC",  # RFC 7162
    "ESEARCH",  # RFC 4731
    "SEARCHRES",  # RFC 5182
    "WITHIN",  # RFC 5032
    "SAVEDATE",  # RFC 8514
    "SORT",  # RFC 5256
    "SORT=DISPLAY",  # RFC 5957
    "THREAD=ORDEREDSUBJECT",  # RFC 5256
    "THREAD=REFERENCES",  # RFC 5256
    "SPECIAL-USE",  # RFC 6154
    "CREATE-SPECIAL-USE",  # RFC 6154
    "LIST-EXTENDED",  # RFC 5258
    "LIST-STATUS",  # RFC 5819
    "CHILDREN",  # RFC 3348
    "STATUS=SIZE",  # RFC 8438
    "QUOTA",  # RFC 9208
    "QUOTA=RES-STORAGE",  # RFC 9208
    "MULTIAPPEND",  # RFC 3502
    "BINARY",  # RFC 3516
    "UTF8=ACCEPT",  # RFC 6855
)


def before_login(*, secure: bool, plaintext_ok: bool) -> list[str]:
    """RFC 9051 §6.2: STARTTLS while plain; LOGINDISABLED while logins are refused."""
    caps = list(_COMMON)
    if not secure:
        caps.append("STARTTLS")
    if plaintext_ok:
        caps += ["AUTH=PLAIN", "SASL-IR"]  # RFC 4959
    else:
        caps.append("LOGINDISABLED")
    return caps


def after_login(*, message_size: int, compressed: bool) -> list[str]:
    """The full list; APPENDLIMIT is the message size limit (RFC 7889 §3)."""
    caps = [*_COMMON, *_AUTHENTICATED, f"APPENDLIMIT={message_size}"]
    if not compressed:
        caps.append("COMPRESS=DEFLATE")  # RFC 4978 §3: not after it is active
    return caps
