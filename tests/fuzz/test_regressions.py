"""Crashers found by the properties in this folder and the atheris targets in ``fuzz/``, kept
as exact inputs. Each names the finding, the responsible module and the fix.
"""

from __future__ import annotations

import asyncio

import pytest

from mailstore.message import parse_message
from mailstore.message.headers import decode_words, decoded_str
from tests.frontends import no_logged_errors
from tests.smtp.helpers import Ports

from .test_smtp_session import Client


# -- 1. encoded words decoded to CR/LF (tests/fuzz/test_headers.py) ----------------------------
# ``=?utf-8?B?Cg==?=`` in Subject decoded to "\n", so the search text (``name: value`` lines)
# gained a line of the sender's choosing. Fixed in mailstore/message/headers.py (_word_text).
@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        (b"=?utf-8?B?DQ==?=", " "),
        (b"=?utf-8?B?Cg==?=", " "),
        (b"=?utf-8?q?a=0D=0AX-Spam:_yes?=", "a  X-Spam: yes"),
        (b"=?utf-8?b?YQ0KYg==?= =?utf-8?q?=0A?=", "a  b "),
    ],
)
def test_encoded_word_line_breaks_become_spaces(raw: bytes, decoded: str) -> None:
    assert decoded_str(raw) == decoded
    assert decode_words(raw.decode()) == decoded


def test_encoded_line_break_forges_no_header_line() -> None:
    raw = b"From: a@example.org\r\nSubject: =?utf-8?q?hi=0D=0AX-Spam:_yes?=\r\n\r\nbody\r\n"
    parsed = parse_message(raw)
    assert parsed.header_text == "from: a@example.org\nsubject: hi  x-spam: yes\n"
    assert parsed.subject == "hi  X-Spam: yes"


# -- 2. LHLO/EHLO with a NUL (tests/fuzz/test_smtp_session.py, LMTP) ----------------------------
# ``LHLO \x00`` was accepted; the NUL then reached the reception log INSERT at DATA, which
# PostgreSQL refused: an ERROR with a traceback and 451 for a good message. Fixed in
# servers/smtp/protocol.py (_greet refuses control and non-UTF-8 octets with 501 5.5.4).
@pytest.mark.parametrize(
    ("listener", "greeting"),
    [
        ("lmtp", b"LHLO \x00"),
        ("lmtp", b"LHLO a\x00b.example"),
        ("smtp", b"EHLO a\x00b.example"),
        ("smtp", b"HELO a\x7fb"),
        ("smtp", b"EHLO \xff\xfe.example"),
        ("submission", b"EHLO a\x01b"),
    ],
)
async def test_greeting_with_control_octets_is_refused(
    smtp_ports: Ports, listener: str, greeting: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    lmtp = listener == "lmtp"
    good = b"LHLO ok.example" if lmtp else b"EHLO ok.example"

    def run() -> list[int]:
        client = Client(getattr(smtp_ports, listener))
        codes = []
        for line in (greeting, good, b"MAIL FROM:<a@x.example>", b"RCPT TO:<bob@example.org>"):
            client.send(line + b"\r\n")
            codes.append(client.reply())
        client.quit()
        return codes

    with no_logged_errors(caplog, "servers.smtp"):
        codes = await asyncio.to_thread(run)
    # refused, then the same connection greets and starts a transaction normally (submission
    # wants AUTH first: 530, RFC 4954 §6)
    assert codes[:2] == [501, 250]
    assert codes[2:] == ([530, 530] if listener == "submission" else [250, 250])


# -- 3. a path the stdlib address parser trips over (fuzz/smtp_session.py) ---------------------
# ``MAIL FROM:<a@`` raised IndexError inside email._header_value_parser (called by aiosmtpd's
# _getaddr): logged as an internal error and answered 451 4.3.0. Fixed in
# servers/smtp/protocol.py (SMTPProtocol._getaddr): 553 5.1.3 like any malformed path.
# The atheris input was b"EHLO a\r\nMAIL FROM:<a@\nMAIL FROM:<a@x>\r\n...".
@pytest.mark.parametrize(
    ("listener", "line"),
    [
        ("smtp", b"MAIL FROM:<a@"),
        ("smtp", b"MAIL FROM:<a@\n"),
        ("lmtp", b"MAIL FROM:<@"),
        ("smtp", b"RCPT TO:<b@"),
    ],
)
async def test_truncated_path_is_a_syntax_error(
    smtp_ports: Ports, listener: str, line: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    lmtp = listener == "lmtp"

    def run() -> list[int]:
        client = Client(getattr(smtp_ports, listener))
        sequence = [b"LHLO ok.example" if lmtp else b"EHLO ok.example"]
        if line.startswith(b"RCPT"):
            sequence.append(b"MAIL FROM:<a@x.example>")
        # the atheris input ended the line with a bare LF; aiosmtpd takes that as a line too
        sequence += [line if line.endswith(b"\n") else line + b"\r\n", b"NOOP\r\n"]
        codes = []
        for command in sequence:
            client.send(command if command.endswith(b"\n") else command + b"\r\n")
            codes.append(client.reply())
        client.quit()
        return codes

    with no_logged_errors(caplog, "servers.smtp"):
        codes = await asyncio.to_thread(run)
    assert codes[-2:] == [553, 250]
