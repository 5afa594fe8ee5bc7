"""Header decoding: RFC 2047 words, RFC 2231 parameters, addresses, subjects."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest

from mailstore.message import parse_message
from mailstore.message.address import _parse_general, parse_address_list
from mailstore.message.envelope import base_subject
from mailstore.message.headers import decode_words
from mailstore.message.params import parse_content_type, parse_disposition

from .helpers import crlf

RFC2047 = [
    ("plain text", "plain text"),
    ("=?utf-8?q?caf=C3=A9?=", "café"),
    ("=?UTF-8?B?Y2Fmw6k=?=", "café"),
    ("=?iso-8859-1?q?caf=E9_cr=E8me?=", "café crème"),
    ("=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"),
    ("=?koi8-r?B?8NLJ18XU?=", "Привет"),
    ("=?shift_jis?B?k/qWe4zqgsyMj5a8?=", "日本語の件名"),
    ("=?iso-2022-jp?B?GyRCRnxLXDhsJE43b0w+GyhC?=", "日本語の件名"),
    # RFC 2047 §8 examples: whitespace between adjacent encoded words is dropped
    ("(=?ISO-8859-1?Q?a?= b)", "(a b)"),
    ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"),
    ("(=?ISO-8859-1?Q?a?=  \t =?ISO-8859-1?Q?b?=)", "(ab)"),
    ("(=?ISO-8859-1?Q?a_b?=)", "(a b)"),
    ("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"),
    # a UTF-8 character split across two words
    ("=?utf-8?B?w6g=?= =?utf-8?Q?=C3?= =?utf-8?Q?=A9t=C3=A9?=", "èété"),
    # RFC 2231 §5 language suffix
    ("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"),
    # broken or unknown: left alone or decoded leniently, never an error
    ("=?utf-8?q?unterminated", "=?utf-8?q?unterminated"),
    ("=?utf-8?x?bad_encoding?=", "=?utf-8?x?bad_encoding?="),
    ("=?utf-8?b?!!!!?=", ""),
    ("=?no-such-charset?q?abc?=", "abc"),
    ("=?utf-8?q?=FF=FE?=", "\ufffd\ufffd"),
    ("=?unicode_escape?q?\\x00?=", "\\x00"),
    ("glued=?utf-8?q?word?=s", "gluedwords"),
    ("=?utf-8?b?YWJj?= text =?utf-8?b?ZGVm?=", "abc text def"),
]


@pytest.mark.parametrize(("encoded", "expected"), RFC2047)
def test_rfc2047(encoded: str, expected: str) -> None:
    assert decode_words(encoded) == expected


@pytest.mark.parametrize(
    "encoded",
    [
        "=?utf-8?q?caf=C3=A9?= au lait",
        "=?iso-8859-1?q?caf=E9_cr=E8me?=",
        "Hello =?koi8-r?B?8NLJ18XU?= world",
        "=?utf-8?b?w6g=?= =?utf-8?b?w6k=?=",
    ],
)
def test_rfc2047_matches_stdlib_on_wellformed_input(encoded: str) -> None:
    assert decode_words(encoded) == str(make_header(decode_header(encoded)))


def test_subject_decoding_in_message() -> None:
    raw = crlf(
        "Subject: =?utf-8?q?R=C3=A9union?=\n =?utf-8?q?_demain?=\n"
        "From: =?iso-8859-1?q?Andr=E9?= <andre@example.fr>\n"
        "To: =?koi8-r?B?8NLJ18XU?= <ivan@example.ru>\n"
        "Cc: =?shift_jis?B?k/qWe4zqgsyMj5a8?= <taro@example.jp>\n"
        "\nx\n"
    )
    m = parse_message(raw)
    assert m.subject == "Réunion demain"
    assert m.envelope[1] == "=?utf-8?q?R=C3=A9union?= =?utf-8?q?_demain?="
    assert m.from_ == "André <andre@example.fr>"
    assert m.to == "Привет <ivan@example.ru>"
    assert m.cc == "日本語の件名 <taro@example.jp>"
    assert m.envelope[2] == [["=?iso-8859-1?q?Andr=E9?=", None, "andre", "example.fr"]]
    assert m.sort_display_from == "andré"
    assert m.sort_display_to == "привет"
    assert m.sort_from == "andre"
    assert m.sort_cc == "taro"
    assert m.sort_subject == "réunion demain"


def test_eight_bit_headers() -> None:
    raw = "Subject: Grüße aus Köln\r\nFrom: Jürgen <j@example.de>\r\n\r\n".encode()
    raw += b"X-Latin: caf\xe9\r\n"  # in the body, not a header
    m = parse_message(raw)
    assert m.subject == "Grüße aus Köln"
    assert m.envelope[1] == "Grüße aus Köln"
    assert m.envelope[2] == [["Jürgen", None, "j", "example.de"]]
    latin = parse_message(b"Subject: caf\xe9\r\n\r\n")
    assert latin.subject == "café"  # not UTF-8: read as windows-1252
    assert latin.envelope[1] == "caf\ufffd"  # ENVELOPE strings are UTF-8 with U+FFFD


def test_header_lines_without_colon_and_folding() -> None:
    raw = crlf(
        "From: a@b.c\n"
        "this line has no colon\n"
        "Subject: folded\n"
        "\tsubject line\n"
        "X-Empty:\n"
        "Subject : second subject ignored by envelope\n"
        "\n"
        "body\n"
    )
    m = parse_message(raw)
    assert m.headers == [
        ("from", "a@b.c"),
        ("subject", "folded\tsubject line"),
        ("x-empty", ""),
        ("subject", "second subject ignored by envelope"),
    ]
    assert m.subject == "folded\tsubject line"
    assert m.envelope[1] == "folded\tsubject line"
    assert m.header_text == (
        "from: a@b.c\nsubject: folded\tsubject line\nx-empty: \n"
        "subject: second subject ignored by envelope\n"
    )
    assert m.header_size == raw.index(b"body")


def test_missing_headers() -> None:
    m = parse_message(b"X-Other: 1\r\n\r\nbody")
    assert m.envelope == [None] * 10
    assert (m.subject, m.from_, m.to, m.cc, m.bcc) == ("", "", "", "", "")
    assert (m.message_id, m.in_reply_to, m.references, m.sent_date) == ("", "", [], None)
    assert (m.sort_subject, m.sort_from, m.sort_display_from) == ("", "", "")


def test_envelope_fields() -> None:
    raw = crlf(
        "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
        "From: Terry Gray <gray@cac.washington.edu>\n"
        "Subject: IMAP4rev1 WG mtg summary and minutes\n"
        "To: imap@cac.washington.edu\n"
        "cc: minutes@CNRI.Reston.VA.US,\n"
        '        "John Klensin" <KLENSIN@MIT.EDU>\n'
        "Message-Id: <B27397-0100000@cac.washington.edu>\n"
        "In-Reply-To: <a@b>\n"
        "References: <x@y>\n <a@b>\n"
        "\nbody\n"
    )
    m = parse_message(raw)
    # RFC 3501 §8's example response
    terry = [["Terry Gray", None, "gray", "cac.washington.edu"]]
    assert m.envelope == [
        "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
        "IMAP4rev1 WG mtg summary and minutes",
        terry,
        terry,
        terry,
        [[None, None, "imap", "cac.washington.edu"]],
        [
            [None, None, "minutes", "CNRI.Reston.VA.US"],
            ["John Klensin", None, "KLENSIN", "MIT.EDU"],
        ],
        None,
        "<a@b>",
        "<B27397-0100000@cac.washington.edu>",
    ]
    assert m.sent_date is not None and m.sent_date.isoformat() == "1996-07-17T02:23:25-07:00"
    assert m.references == ["<x@y>", "<a@b>"]
    assert m.message_id == "<B27397-0100000@cac.washington.edu>"
    assert m.sort_cc == "minutes"
    assert m.sort_display_to == "imap@cac.washington.edu"


def test_sender_and_reply_to_default_to_from_even_when_empty() -> None:
    m = parse_message(b"From: a@b.c\r\nSender:\r\nReply-To: r@b.c\r\n\r\n")
    assert m.envelope[3] == [[None, None, "a", "b.c"]]
    assert m.envelope[4] == [[None, None, "r", "b.c"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a@b.c", [[None, None, "a", "b.c"]]),
        ('"Doe, John" <j@x.org>', [["Doe, John", None, "j", "x.org"]]),
        ('"quo\\"ted" <q@x>', [['quo"ted', None, "q", "x"]]),
        ("bob@y.org (Bob Y)", [["Bob Y", None, "bob", "y.org"]]),
        ("Name (comment) <a@b>", [["Name", None, "a", "b"]]),
        ("<@r1.org,@r2.org:u@h.org>", [[None, "@r1.org,@r2.org", "u", "h.org"]]),
        ("root", [[None, None, "root", ""]]),
        ("undisclosed-recipients:;", [[None, None, "undisclosed-recipients", None], [None] * 4]),
        (
            "Team: a@x, B <b@y>; c@z",
            [
                [None, None, "Team", None],
                [None, None, "a", "x"],
                ["B", None, "b", "y"],
                [None] * 4,
                [None, None, "c", "z"],
            ],
        ),
        ("Open group: a@x", [[None, None, "Open group", None], [None, None, "a", "x"], [None] * 4]),
        ('"x y"@example.com', [[None, None, '"x y"', "example.com"]]),
        ("a@[192.0.2.1]", [[None, None, "a", "[192.0.2.1]"]]),
        ("=?utf-8?q?J=C3=B6rg?= <j@x>", [["=?utf-8?q?J=C3=B6rg?=", None, "j", "x"]]),
        ("  ,  , ", None),
        ("", None),
        ("<>", None),
        ("a@b, <c@d>", [[None, None, "a", "b"], [None, None, "c", "d"]]),
        ("John  Q. Public <jqp@x.com>", [["John Q. Public", None, "jqp", "x.com"]]),
    ],
)
def test_address_lists(value: str, expected: list | None) -> None:
    assert parse_address_list(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Alice <alice@example.org>, bob@example.net",
        "John  Q. Public <jqp@x.com>,, x@y",
        "a@b",
        "Ünïcode Name <u@x.de>",
    ],
)
def test_address_fast_path_matches_general_parser(value: str) -> None:
    assert parse_address_list(value) == _parse_general(value)


@pytest.mark.parametrize(
    ("subject", "base"),
    [
        ("Hello", "hello"),
        ("Re: Hello", "hello"),
        ("RE: re: Fwd: Hello", "hello"),
        ("Re[2]: Hello", "hello"),
        ("Re [2]: Hello", "hello"),
        ("[list] Re: Hello", "hello"),
        ("Re: [list] Hello", "hello"),
        ("[list]", "[list]"),
        ("Hello (fwd)", "hello"),
        ("Hello (fwd) (FWD)  ", "hello"),
        ("[Fwd: Re: Hello]", "hello"),
        ("Fw: [Fwd: Hello (fwd)]", "hello"),
        ("  Re:   Many    spaces  ", "many spaces"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_base_subject(subject: str, base: str) -> None:
    assert base_subject(subject) == base


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/plain", ("text", "plain", [])),
        ('TEXT/HTML; CHARSET="UTF-8"', ("TEXT", "HTML", [("CHARSET", "UTF-8")])),
        ("text/plain; charset=us-ascii (Plain text)", ("text", "plain", [("charset", "us-ascii")])),
        ('multipart/mixed; boundary="a;b=c"', ("multipart", "mixed", [("boundary", "a;b=c")])),
        (
            "application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
            ("application", "x-stuff", [("title", "This is ***fun***")]),
        ),
        (
            "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
            ("application", "x-stuff", [("title", "This is even more ***fun*** isn't it!")]),
        ),
        (
            "application/pdf; name=\"fallback.pdf\"; name*=iso-8859-1''r%E9sum%E9.pdf",
            ("application", "pdf", [("name", "résumé.pdf")]),
        ),
        ("text/plain; charset=", ("text", "plain", [("charset", "")])),
        ("text/plain; garbage; charset=utf-8", ("text", "plain", [("charset", "utf-8")])),
        ("garbage", None),
        ("text/", None),
        ("", None),
    ],
)
def test_content_type(value: str, expected: tuple | None) -> None:
    assert parse_content_type(value) == expected


def test_content_disposition() -> None:
    assert parse_disposition('attachment; filename="a b.txt"; size=12') == (
        "attachment",
        [("filename", "a b.txt"), ("size", "12")],
    )
    assert parse_disposition("inline") == ("inline", [])
    assert parse_disposition(";;") is None
