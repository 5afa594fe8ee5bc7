"""Reply constants and the enhanced status codes added to aiosmtpd's own replies."""

from __future__ import annotations

import inspect
import re

import aiosmtpd.smtp
import pytest

from servers.smtp import replies
from servers.smtp.replies import Reply, with_enhanced_code

CONSTANTS = {name: value for name, value in vars(replies).items() if isinstance(value, Reply)}
ENHANCED = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_constants_are_well_formed(name):
    reply = CONSTANTS[name]
    assert 200 <= reply.code < 600
    if reply.code // 100 == 3:
        assert reply.status == ""  # 354: no enhanced code on intermediate replies
    else:
        assert ENHANCED.match(reply.status), name
        assert reply.status[0] == str(reply.code)[0], name  # class agrees (RFC 3463 §2)
    assert "\r" not in reply.text and "\n" not in reply.text


def test_codes_named_by_the_issue():
    assert str(replies.UNKNOWN_USER).startswith("550 5.1.1")
    assert str(replies.RELAY_DENIED).startswith("554 5.7.1")
    assert str(replies.OVER_QUOTA).startswith("452 4.2.2")
    assert str(replies.OVER_QUOTA_PERMANENT).startswith("552 5.2.2")
    assert str(replies.TOO_BIG).startswith("552 5.3.4")
    assert str(replies.TOO_MANY_RECIPIENTS).startswith("452 4.5.3")
    assert str(replies.LINE_TOO_LONG).startswith("500 5.5.2")
    assert str(replies.BARE_LINE_ENDING).startswith("550 5.6.0")
    assert str(replies.SENDER_NOT_OWNED).startswith("553 5.7.1")
    assert str(replies.FROM_NOT_OWNED).startswith("553 5.7.1")
    assert str(replies.DMARC_REJECT).startswith("550 5.7.1")
    assert str(replies.TEMPORARY).startswith("451 4.3.0")


def _aiosmtpd_literals() -> list[str]:
    """Every reply literal in aiosmtpd's session code (push(...) / status = ...)."""
    source = inspect.getsource(aiosmtpd.smtp)
    found = re.findall(r"""['"]([245]\d\d[ -][^'"{]*)['"]""", source)
    return sorted(set(found))


@pytest.mark.parametrize("line", _aiosmtpd_literals())
def test_aiosmtpd_replies_get_an_enhanced_code(line):
    fixed = with_enhanced_code(line)
    assert fixed[:4] == line[:4]
    assert ENHANCED.match(fixed[4:].split(" ", 1)[0]), fixed


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("500 Command line too long", "500 5.5.2 Command line too long"),
        ("503 Error: need MAIL command", "503 5.5.1 need MAIL command"),
        ("552 Error: Too much mail data", "552 5.3.4 Too much mail data"),
        ("250 2.1.5 Recipient OK", "250 2.1.5 Recipient OK"),
        ("354 End data with <CR><LF>.<CR><LF>", "354 End data with <CR><LF>.<CR><LF>"),
        ("334 VXNlcm5hbWU6", "334 VXNlcm5hbWU6"),
        ("421 4.7.0 DATA sent too many times", "421 4.7.0 DATA sent too many times"),
    ],
)
def test_with_enhanced_code(line, expected):
    assert with_enhanced_code(line) == expected


def test_aiosmtpd_literals_found():
    assert len(_aiosmtpd_literals()) > 20  # the scan still finds aiosmtpd's replies
