"""IMAP wire encoding of ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 §7.4.2)."""

from __future__ import annotations

import re

from imapclient.response_parser import parse_fetch_response

from mailstore.message import bodystructure_to_wire, envelope_to_wire, parse_message
from mailstore.message.imapfmt import string

from .helpers import crlf


def rfc3501_example() -> bytes:
    """A message whose BODY is RFC 3501 §7.4.2's example, octet for octet."""
    # part 1: 1152 octets in 23 lines (the CRLF before the delimiter is not body)
    line = "x" * 46
    body1 = "\n".join([line] * 22 + ["x" * (1108 - 46 * 22)])
    # part 2: 4554 octets of base64 in 73 lines
    body2 = "\n".join(["QUFB" * 15] * 72 + ["QUFB" * 22 + "QQ"])
    raw = crlf(
        "From: Terry Gray <gray@cac.washington.edu>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: MULTIPART/MIXED; BOUNDARY="--XX--"\n'
        "\n"
        "----XX--\n"
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"
        "Content-Transfer-Encoding: 7BIT\n"
        "\n" + body1 + "\n"
        "----XX--\n"
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff\n"
        "Content-ID: <960723163407.20117h@cac.washington.edu>\n"
        "Content-Description: Compiler diff\n"
        "Content-Transfer-Encoding: BASE64\n"
        "\n" + body2 + "\n"
        "----XX----\n"
    )
    return raw


def test_rfc3501_body_example() -> None:
    bs = parse_message(rfc3501_example()).bodystructure
    assert bodystructure_to_wire(bs, extended=False) == (
        b'(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)'
        b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") '
        b'"<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED")'
    )
    assert bodystructure_to_wire(bs, extended=True) == (
        b'(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23 NIL NIL NIL NIL)'
        b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") '
        b'"<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73 '
        b'NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "--XX--") NIL NIL NIL)'
    )


def test_rfc3501_envelope_example() -> None:
    raw = crlf(
        "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
        "From: Terry Gray <gray@cac.washington.edu>\n"
        "Subject: IMAP4rev1 WG mtg summary and minutes\n"
        "To: imap@cac.washington.edu\n"
        "cc: minutes@CNRI.Reston.VA.US,\n"
        '        "John Klensin" <KLENSIN@MIT.EDU>\n'
        "Message-Id: <B27397-0100000@cac.washington.edu>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"
        "\n"
        "body\n"
    )
    m = parse_message(raw)
    assert envelope_to_wire(m.envelope) == (
        b'("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" '
        b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
        b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
        b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
        b'((NIL NIL "imap" "cac.washington.edu")) '
        b'((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) '
        b'NIL NIL "<B27397-0100000@cac.washington.edu>")'
    )
    assert bodystructure_to_wire(m.bodystructure, extended=False) == (
        b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7bit" 6 1)'
    )


def test_strings() -> None:
    assert string("plain") == b'"plain"'
    assert string('say "hi" \\o/') == b'"say \\"hi\\" \\\\o/"'
    assert string("") == b'""'
    assert string("caf\xe9") == b"{5}\r\ncaf\xc3\xa9"
    assert string("two\r\nlines") == b"{10}\r\ntwo\r\nlines"
    assert string("nul\x00") == b"{4}\r\nnul\x00"
    assert string("caf\xe9", utf8=True) == b'"caf\xc3\xa9"'
    assert string("tab\there") == b'"tab\there"'


def test_group_and_message_rfc822_wire() -> None:
    raw = crlf(
        "To: undisclosed-recipients:;\n"
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: message/rfc822\nContent-Disposition: attachment\n"
        "Content-Language: en, de\n\n"
        "Subject: caf\xe9\n\nhello\n--b--\n"
    )
    m = parse_message(raw)
    assert envelope_to_wire(m.envelope) == (
        b'(NIL NIL NIL NIL NIL ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL)'
    )
    assert bodystructure_to_wire(m.bodystructure, extended=True) == (
        b'(("message" "rfc822" NIL NIL NIL "7bit" 23 '
        b"(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL NIL) "
        b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 1 NIL NIL NIL NIL) 3 '
        b'NIL ("attachment" NIL) ("en" "de") NIL) "mixed" ("boundary" "b") NIL NIL NIL)'
    )


_LITERAL = re.compile(rb"\{(\d+)\}\r\n")


def imapclient_parse(item: bytes, data: bytes):
    """Feed ``* 1 FETCH (UID 1 item data)`` to imapclient's parser (an
    independent IMAP client implementation) and return the parsed item."""
    wire = b"1 (UID 1 " + item + b" " + data + b")"
    lines: list = []
    pos = 0
    while (m := _LITERAL.search(wire, pos)) is not None:
        n = int(m.group(1))
        lines.append((wire[pos : m.start()] + b"{%d}" % n, wire[m.end() : m.end() + n]))
        pos = m.end() + n
    lines.append(wire[pos:])
    return parse_fetch_response(lines)[1][item]


def test_wire_output_parses_in_imapclient() -> None:
    from .test_structure import MIXED

    m = parse_message(MIXED)
    env = imapclient_parse(b"ENVELOPE", envelope_to_wire(m.envelope))
    assert env.subject == b"mixed"
    assert env.from_[0].mailbox == b"a" and env.from_[0].host == b"example.com"
    bs = imapclient_parse(b"BODYSTRUCTURE", bodystructure_to_wire(m.bodystructure, True))
    children, subtype = bs[0], bs[1]
    assert subtype == b"mixed"
    assert len(children) == 4
    assert children[0][:2] == (b"text", b"plain")
    assert children[3][8] == (b"attachment", (b"filename", "résumé.pdf".encode()))
    body = imapclient_parse(b"BODY", bodystructure_to_wire(m.bodystructure, False))
    assert body[1] == b"mixed"
