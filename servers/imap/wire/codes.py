"""Response conditions and response codes (RFC 9051 §7.1, §7.1.1 and extensions).

Both enums are ``StrEnum``s whose values are the exact wire spelling, so
``ResponseCode.READ_ONLY.value == "READ-ONLY"``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ResponseCode", "Status"]


class Status(StrEnum):
    """Status condition of a tagged or untagged status response (RFC 9051 §7.1)."""

    OK = "OK"
    NO = "NO"
    BAD = "BAD"
    PREAUTH = "PREAUTH"
    BYE = "BYE"


class ResponseCode(StrEnum):
    """Response codes inside ``[...]`` of a status response.

    RFC 9051 §7.1 defines most; the comment on each extension names its RFC.
    """

    ALERT = "ALERT"
    ALREADYEXISTS = "ALREADYEXISTS"
    APPENDUID = "APPENDUID"  # RFC 4315 (UIDPLUS), RFC 9051
    AUTHENTICATIONFAILED = "AUTHENTICATIONFAILED"
    AUTHORIZATIONFAILED = "AUTHORIZATIONFAILED"
    BADCHARSET = "BADCHARSET"
    CANNOT = "CANNOT"
    CAPABILITY = "CAPABILITY"
    CLIENTBUG = "CLIENTBUG"
    CLOSED = "CLOSED"
    COMPRESSIONACTIVE = "COMPRESSIONACTIVE"  # RFC 4978
    CONTACTADMIN = "CONTACTADMIN"
    COPYUID = "COPYUID"  # RFC 4315 (UIDPLUS), RFC 9051
    CORRUPTION = "CORRUPTION"
    EXPIRED = "EXPIRED"
    EXPUNGEISSUED = "EXPUNGEISSUED"
    HASCHILDREN = "HASCHILDREN"
    HIGHESTMODSEQ = "HIGHESTMODSEQ"  # RFC 7162 (CONDSTORE)
    INUSE = "INUSE"
    LIMIT = "LIMIT"
    MAILBOXID = "MAILBOXID"  # RFC 8474 (OBJECTID)
    MODIFIED = "MODIFIED"  # RFC 7162 (CONDSTORE)
    NOMODSEQ = "NOMODSEQ"  # RFC 7162 (CONDSTORE)
    NONEXISTENT = "NONEXISTENT"
    NOPERM = "NOPERM"
    NOTSAVED = "NOTSAVED"  # RFC 5182 (SEARCHRES)
    OVERQUOTA = "OVERQUOTA"
    PARSE = "PARSE"
    PERMANENTFLAGS = "PERMANENTFLAGS"
    PRIVACYREQUIRED = "PRIVACYREQUIRED"
    READ_ONLY = "READ-ONLY"
    READ_WRITE = "READ-WRITE"
    SERVERBUG = "SERVERBUG"
    TOOBIG = "TOOBIG"  # RFC 4469, used by RFC 7888 (LITERAL+)
    TRYCREATE = "TRYCREATE"
    UIDNEXT = "UIDNEXT"
    UIDNOTSTICKY = "UIDNOTSTICKY"  # RFC 4315 (UIDPLUS)
    UIDVALIDITY = "UIDVALIDITY"
    UNAVAILABLE = "UNAVAILABLE"
    UNKNOWN_CTE = "UNKNOWN-CTE"  # RFC 3516 (BINARY)
    UNSEEN = "UNSEEN"  # RFC 3501 only
    USEATTR = "USEATTR"  # RFC 6154 (CREATE-SPECIAL-USE)
