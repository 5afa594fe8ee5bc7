"""SMTP replies: typed constants with enhanced status codes (RFC 5321 §4.2, RFC 3463, RFC 2034).

Our own code answers only with :class:`Reply` constants from this module. aiosmtpd's session
loop still writes some replies of its own (``500 Error: bad syntax``, ``503 Error: need MAIL
command`` ...) without an enhanced status code; :func:`with_enhanced_code` adds one on the way
out (see ``SMTPProtocol.push``), so every 2xx/4xx/5xx reply carries one as RFC 2034 §3 asks
(except the greeting and the HELO/EHLO replies, which RFC 2034 exempts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply line: code, enhanced status code (RFC 3463) and text."""

    code: int
    status: str
    text: str

    def __str__(self) -> str:
        return (
            f"{self.code} {self.status} {self.text}" if self.status else f"{self.code} {self.text}"
        )

    def with_text(self, text: str) -> Reply:
        return replace(self, text=text)

    @property
    def positive(self) -> bool:
        return 200 <= self.code < 400


# -- session ---------------------------------------------------------------------------------
OK = Reply(250, "2.0.0", "OK")
BYE = Reply(221, "2.0.0", "Bye")
TIMEOUT = Reply(421, "4.4.2", "Timeout exceeded, closing connection")  # RFC 5321 §4.5.3.2
TOO_MANY_CONNECTIONS = Reply(421, "4.7.0", "Too many connections from your address, try later")
SERVER_BUSY = Reply(421, "4.3.2", "Too many connections, try again later")
SHUTTING_DOWN = Reply(421, "4.3.2", "Server shutting down")
TEMPORARY = Reply(451, "4.3.0", "Temporary failure, please try again later")
LINE_TOO_LONG = Reply(500, "5.5.2", "Line too long")  # RFC 5321 §4.5.3.1.4, §4.5.3.1.6
SYNTAX = Reply(501, "5.5.4", "Syntax error in parameters or arguments")
BAD_SEQUENCE = Reply(503, "5.5.1", "Bad sequence of commands")
NEED_MAIL = Reply(503, "5.5.1", "Need MAIL command")
NEED_RCPT = Reply(503, "5.5.1", "Need RCPT command")
NOT_IMPLEMENTED = Reply(502, "5.5.1", "Command not implemented")

# -- AUTH (RFC 4954 §6) ------------------------------------------------------------------------
AUTH_OK = Reply(235, "2.7.0", "Authentication successful")
AUTH_FAILED = Reply(535, "5.7.8", "Authentication credentials invalid")
AUTH_NEEDS_TLS = Reply(538, "5.7.11", "Encryption required for requested authentication mechanism")
AUTH_REQUIRED = Reply(530, "5.7.0", "Authentication required")
AUTH_NOT_OFFERED = Reply(502, "5.5.1", "AUTH not available on this port")
AUTH_ALREADY = Reply(503, "5.5.1", "Already authenticated")
AUTH_IN_TRANSACTION = Reply(503, "5.5.1", "AUTH not permitted during a mail transaction")
AUTH_UNKNOWN_MECHANISM = Reply(504, "5.5.4", "Unrecognized authentication type")
AUTH_BAD_RESPONSE = Reply(501, "5.5.2", "Cannot decode authentication response")
AUTH_THROTTLED = Reply(454, "4.7.0", "Too many failed authentications, try again later")

# -- envelope ----------------------------------------------------------------------------------
SENDER_OK = Reply(250, "2.1.0", "Sender OK")
RECIPIENT_OK = Reply(250, "2.1.5", "Recipient OK")
BAD_SENDER_SYNTAX = Reply(553, "5.1.7", "Bad sender address syntax")
BAD_RECIPIENT_SYNTAX = Reply(553, "5.1.3", "Bad recipient address syntax")
NEEDS_SMTPUTF8 = Reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8")  # RFC 6531 §3.7.4.1
SENDER_NOT_OWNED = Reply(553, "5.7.1", "Sender address not owned by authenticated user")
UNKNOWN_USER = Reply(550, "5.1.1", "No such user here")
NOT_LOCAL = Reply(550, "5.1.2", "Domain not handled here")
RELAY_DENIED = Reply(554, "5.7.1", "Relay access denied")
TOO_MANY_RECIPIENTS = Reply(452, "4.5.3", "Too many recipients")  # RFC 5321 §4.5.3.1.10
OVER_QUOTA = Reply(452, "4.2.2", "Mailbox full")
OVER_QUOTA_PERMANENT = Reply(552, "5.2.2", "Mailbox full")
NO_OUTBOUND_QUEUE = Reply(451, "4.3.0", "Remote delivery is not available yet, try later")
SPF_FAIL = Reply(550, "5.7.23", "SPF validation failed")  # RFC 7372 §3.2

# -- DATA ----------------------------------------------------------------------------------------
START_DATA = Reply(354, "", "End data with <CR><LF>.<CR><LF>")
#: Input sent after DATA before its reply (RFC 2920 §3.1); the connection is then closed.
PIPELINING_SYNC = Reply(554, "5.5.0", "Error: SMTP protocol synchronization")
STORED = Reply(250, "2.0.0", "OK: message stored")
DELIVERED = Reply(250, "2.1.5", "OK: delivered")  # LMTP, per recipient (RFC 2033 §4.2)
TOO_BIG = Reply(552, "5.3.4", "Message size exceeds fixed maximum message size")
BARE_LINE_ENDING = Reply(550, "5.6.0", "Bare CR or LF in message data; lines must end with CRLF")
FROM_NOT_OWNED = Reply(553, "5.7.1", "From: header address not owned by authenticated user")
DMARC_REJECT = Reply(550, "5.7.1", "Rejected by the sender domain's DMARC policy")


# -- enhanced codes for aiosmtpd's own replies ---------------------------------------------------
_HAS_ENHANCED = re.compile(r"^[245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}(?: |$)")
_CODE = re.compile(r"^([245])(\d\d)([ -])(.*)$", re.DOTALL)

#: aiosmtpd reply text prefixes with a specific enhanced code (the rest fall to _BY_CODE).
_BY_TEXT: tuple[tuple[str, str], ...] = (
    ("500 Command line too long", "5.5.2"),
    ("500 Line too long", "5.5.2"),
    ("500 Error: bad syntax", "5.5.2"),
    ("500 Error: strict ASCII mode", "5.6.7"),
    ("500 Error: command", "5.5.1"),
    ("501 Syntax:", "5.5.4"),
    ("501 Error: SMTPUTF8", "5.5.4"),
    ("501 Error: BODY", "5.5.4"),
    ("502 Could not VRFY", "5.5.4"),
    ("552 Error: message size exceeds", "5.3.4"),
    ("552 Error: Too much mail data", "5.3.4"),
    ("554 Command refused due to lack of security", "5.7.0"),
    ("555", "5.5.4"),
)
#: RFC 3463 defaults by reply code.
_BY_CODE: dict[str, str] = {
    "220": "2.0.0",
    "221": "2.0.0",
    "250": "2.0.0",
    "252": "2.5.0",
    "421": "4.3.0",
    "450": "4.2.0",
    "451": "4.3.0",
    "452": "4.3.1",
    "454": "4.7.0",
    "500": "5.5.2",
    "501": "5.5.4",
    "502": "5.5.1",
    "503": "5.5.1",
    "504": "5.5.4",
    "530": "5.7.0",
    "550": "5.0.0",
    "552": "5.3.4",
    "553": "5.1.3",
    "554": "5.0.0",
    "555": "5.5.4",
}


def with_enhanced_code(line: str) -> str:
    """Insert an enhanced status code into a 2xx/4xx/5xx reply line that lacks one."""
    if _HAS_ENHANCED.match(line):
        return line
    m = _CODE.match(line)
    if m is None:
        return line  # 3xx continuation (354, 334) or not a reply at all
    code = m.group(1) + m.group(2)
    status = next((s for prefix, s in _BY_TEXT if line.startswith(prefix)), None)
    status = status or _BY_CODE.get(code) or f"{m.group(1)}.0.0"
    text = m.group(4)
    text = text.removeprefix("Error: ").removeprefix(f"{status} ")
    return f"{code}{m.group(3)}{status} {text}"
