"""Delivery status notifications (RFC 3464) in a multipart/report (RFC 6522).

A bounce ("failed") or delay notice ("delayed") is a new message from the null sender ``<>``
(RFC 5321 §4.5.5), so it can never cause another bounce: a DSN that cannot be delivered is
dropped. Parts: a human-readable explanation, the machine-readable ``message/delivery-status``
(per-message fields, then one block per recipient, RFC 3464 §2.2-§2.3), and the original
message (``message/rfc822``), or only its header (``text/rfc822-headers``) when it is large,
when the sender asked for ``RET=HDRS`` (RFC 3461 §4.3), and for delay notices.
Mail that needed SMTPUTF8 gets the RFC 6533 types (``message/global-delivery-status`` and
``message/global``), with ``utf-8`` address types.

Who gets one (RFC 3461 §4.1): never the null sender; a recipient with ``NOTIFY=NEVER`` none;
with a NOTIFY list, only the kinds it names; without NOTIFY, failures (and delays, when
``[queue] delay_warning`` is set).
"""

from __future__ import annotations

import email.utils
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mailstore.message.headers import find_header_end
from mailstore.outbound.results import Reply

Action = Literal["failed", "delayed"]

#: Originals up to this size are returned whole; larger ones only with their header.
RETURN_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class ReportRecipient:
    recipient: str
    reply: Reply
    remote_host: str | None = None
    #: ORCPT parameter (RFC 3461 §4.2), e.g. "rfc822;bob@example.org".
    original: str | None = None


#: ``queue_messages.params`` key marking a message this server wrote itself (value "dsn"): it
#: is DKIM-signed when sent, unlike mail forwarded for an alias. Front ends never set it (they
#: pass only SMTPUTF8 and BODY from the client).
GENERATED = "GENERATED"


def wants_report(sender: str, action: Action, recipient_params: Mapping[str, object]) -> bool:
    """Whether a DSN of ``action`` goes out for a recipient (RFC 3461 §4.1)."""
    if not sender:
        return False  # RFC 5321 §4.5.5: never a notification to <>
    notify = str(recipient_params.get("NOTIFY", "")).upper()
    if not notify:
        return True
    kinds = {k.strip() for k in notify.split(",")}
    if "NEVER" in kinds:
        return False
    return ("FAILURE" if action == "failed" else "DELAY") in kinds


def build_report(
    *,
    reporting_mta: str,
    sender: str,
    action: Action,
    recipients: Sequence[ReportRecipient],
    original: bytes,
    arrival: datetime,
    now: datetime,
    queue_id: int | None = None,
    envid: str | None = None,
    ret: str | None = None,
    utf8: bool = False,
    retry_until: datetime | None = None,
) -> bytes:
    """The raw DSN message (CRLF line ends) for ``recipients`` of one queued message."""
    boundary = f"{secrets.token_hex(12)}/{reporting_mta}"
    utf8 = utf8 or not all(r.recipient.isascii() for r in recipients) or not sender.isascii()
    status_type = "message/global-delivery-status" if utf8 else "message/delivery-status"
    whole = action == "failed" and (ret or "").upper() != "HDRS" and len(original) <= RETURN_LIMIT
    if whole:
        original_type = "message/global" if utf8 else "message/rfc822"
        returned = original
    else:
        original_type = "message/global-headers" if utf8 else "text/rfc822-headers"
        returned = original[: find_header_end(original, 0, len(original))]
    if not returned.endswith(b"\r\n"):
        returned += b"\r\n"
    header = _header(reporting_mta, sender, action, boundary, now)
    parts = [
        _part("text/plain; charset=utf-8", _human(reporting_mta, action, recipients, retry_until)),
        _part(
            status_type,
            _status(
                reporting_mta, action, recipients, arrival, now, queue_id, envid, retry_until, utf8
            ),
        ),
        _part(original_type, returned, encoding="8bit" if not returned.isascii() else None),
    ]
    body = b"".join(f"--{boundary}\r\n".encode() + p for p in parts)
    return header + body + f"--{boundary}--\r\n".encode()


def _header(reporting_mta: str, sender: str, action: Action, boundary: str, now: datetime) -> bytes:
    subject = (
        "Undelivered Mail Returned to Sender"
        if action == "failed"
        else "Delayed Mail (still being retried)"
    )
    lines = [
        f"From: Mail Delivery System <MAILER-DAEMON@{reporting_mta}>",
        f"To: <{sender}>",
        f"Subject: {subject}",
        f"Date: {email.utils.format_datetime(now)}",
        f"Message-ID: <{secrets.token_hex(12)}@{reporting_mta}>",
        "Auto-Submitted: auto-replied",  # RFC 3834 §5
        "MIME-Version: 1.0",
        "Content-Type: multipart/report; report-type=delivery-status;",
        f'\tboundary="{boundary}"',
        "",
        "This is a MIME-encapsulated delivery status notification.",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8") + b"\r\n"


def _part(content_type: str, content: bytes, encoding: str | None = None) -> bytes:
    head = f"Content-Type: {content_type}\r\n"
    if encoding is None and not content.isascii():
        encoding = "8bit"
    if encoding:
        head += f"Content-Transfer-Encoding: {encoding}\r\n"
    return head.encode() + b"\r\n" + content + b"\r\n"


def _human(
    reporting_mta: str,
    action: Action,
    recipients: Sequence[ReportRecipient],
    retry_until: datetime | None,
) -> bytes:
    if action == "failed":
        intro = (
            f"This is the mail system at {reporting_mta}.\r\n\r\n"
            "Your message could not be delivered to one or more recipients.\r\n"
            "It is attached below.\r\n"
        )
    else:
        until = email.utils.format_datetime(retry_until) if retry_until else "later"
        intro = (
            f"This is the mail system at {reporting_mta}.\r\n\r\n"
            "Your message has not been delivered yet to one or more recipients.\r\n"
            f"Delivery will be retried until {until}; you need not send it again.\r\n"
        )
    lines = [intro]
    for r in recipients:
        where = f" (from {r.remote_host})" if r.remote_host else ""
        lines.append(f"\r\n<{r.recipient}>: {r.reply}{where}\r\n")
    return "".join(lines).encode("utf-8")


def _status(
    reporting_mta: str,
    action: Action,
    recipients: Sequence[ReportRecipient],
    arrival: datetime,
    now: datetime,
    queue_id: int | None,
    envid: str | None,
    retry_until: datetime | None,
    utf8: bool,
) -> bytes:
    """RFC 3464 §2.2 per-message fields, then §2.3 per-recipient blocks."""
    fields = [f"Reporting-MTA: dns; {reporting_mta}"]
    if queue_id is not None:
        fields.append(f"X-Mailstore-Queue-ID: {queue_id}")
    if envid:
        fields.append(f"Original-Envelope-Id: {_clean(envid, utf8)}")
    fields.append(f"Arrival-Date: {email.utils.format_datetime(arrival)}")
    blocks = ["\r\n".join(fields)]
    address_type = "utf-8" if utf8 else "rfc822"
    for r in recipients:
        block = []
        if r.original:
            block.append(f"Original-Recipient: {_clean(r.original, utf8)}")
        block += [
            f"Final-Recipient: {address_type}; {_clean(r.recipient, utf8)}",
            f"Action: {action}",
            f"Status: {_status_code(r.reply, action)}",
        ]
        if r.remote_host:
            host = r.remote_host.split("[", 1)[0]
            block.append(f"Remote-MTA: dns; {_clean(host, utf8)}")
            block.append(f"Diagnostic-Code: smtp; {_clean(str(r.reply), utf8)}")
        else:
            block.append(f"Diagnostic-Code: X-Mailstore; {_clean(str(r.reply), utf8)}")
        block.append(f"Last-Attempt-Date: {email.utils.format_datetime(now)}")
        if retry_until is not None and action == "delayed":
            block.append(f"Will-Retry-Until: {email.utils.format_datetime(retry_until)}")
        blocks.append("\r\n".join(block))
    return ("\r\n\r\n".join(blocks) + "\r\n").encode("utf-8")


def _status_code(reply: Reply, action: Action) -> str:
    """RFC 3464 §2.3.4: failed reports carry a 5.x.x or the last 4.x.x; delays a 4.x.x."""
    if action == "delayed" and not reply.status.startswith("4"):
        return "4.0.0"
    return reply.status


def _clean(text: str, utf8: bool) -> str:
    """One line of field text: no line breaks, and ASCII unless the report is UTF-8."""
    text = " ".join(text.split())
    return text if utf8 else text.encode("ascii", "replace").decode("ascii")
