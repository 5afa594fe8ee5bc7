"""Why an SMTP transaction step was refused, as a bounded ``reason`` label for ``/metrics``.

Every refusal passes through ``SMTPProtocol.push`` as a reply line with an enhanced status
code (RFC 3463), whether our handlers wrote it (``servers/smtp/replies.py``) or aiosmtpd did
(size declared too big, bad syntax). The reply code and enhanced code together name the cause
well enough for an operator's dashboard; the text is never used (DMARC refusals carry the
policy in it), so a remote peer cannot invent label values.
"""

from __future__ import annotations

from servers.smtp import replies
from servers.smtp.replies import Reply

#: The commands whose refusals count as rejections (the mail transaction, RFC 5321 §3.3).
TRANSACTION = frozenset({"MAIL", "RCPT", "DATA"})


def _key(reply: Reply) -> tuple[str, str]:
    return str(reply.code), reply.status


#: (reply code, enhanced status code) -> reason.
_REASONS: dict[tuple[str, str], str] = {
    _key(replies.RELAY_DENIED): "relay_denied",
    _key(replies.NOT_LOCAL): "relay_denied",
    _key(replies.UNKNOWN_USER): "unknown_user",
    _key(replies.OVER_QUOTA): "quota",
    _key(replies.OVER_QUOTA_PERMANENT): "quota",
    _key(replies.SPF_FAIL): "spf",
    _key(replies.DMARC_REJECT): "dmarc",
    _key(replies.TOO_BIG): "size",
    _key(replies.BARE_LINE_ENDING): "smuggling",
    ("554", "5.5.0"): "smuggling",  # input pipelined behind DATA (RFC 2920 §3.1)
    _key(replies.SENDER_NOT_OWNED): "sender_not_owned",
    _key(replies.TOO_MANY_RECIPIENTS): "too_many_recipients",
    _key(replies.AUTH_REQUIRED): "auth_required",
    _key(replies.TEMPORARY): "temporary",
    ("421", "4.3.2"): "temporary",
    _key(replies.BAD_SENDER_SYNTAX): "syntax",
    _key(replies.BAD_RECIPIENT_SYNTAX): "syntax",
    _key(replies.NEEDS_SMTPUTF8): "syntax",
}
#: Bounded set of reasons (what the ``reason`` label can be).
REASONS = frozenset(_REASONS.values()) | {"syntax", "other"}


def classify(line: str) -> tuple[str, str] | None:
    """(code class "4xx"/"5xx", reason) for a refusal reply line, None for any other line.

    ``line`` carries an enhanced code already (``with_enhanced_code`` ran); the From: check of
    submission shares ``553 5.7.1`` with the sender check and counts as ``sender_not_owned``.
    """
    if len(line) < 4 or line[0] not in "45":
        return None
    code = line[:3]
    status = line[4:].split(" ", 1)[0]
    reason = _REASONS.get((code, status))
    if reason is None:
        reason = "syntax" if status.startswith(("5.5.", "4.5.")) else "other"
    return f"{line[0]}xx", reason
