"""MIME structure and section offsets (RFC 2046 §5.1.1, RFC 3501 §6.4.5)."""

from __future__ import annotations

from mailstore.message import bodystructure_to_wire, parse_message

from .helpers import check_offsets, crlf, section

SIMPLE = crlf(
    "From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: Hello\n\nHello Bob,\nbye\n"
)


def test_simple_text_message() -> None:
    m = parse_message(SIMPLE)
    check_offsets(m, SIMPLE)
    assert m.header_size == SIMPLE.index(b"Hello Bob")
    assert SIMPLE[: m.header_size].endswith(b"Subject: Hello\r\n\r\n")
    assert m.parts == {"1": (0, m.header_size, len(SIMPLE))}
    assert section(SIMPLE, m.parts, "1")[1] == b"Hello Bob,\r\nbye\r\n"
    assert m.lines == 6
    assert m.bodystructure == {
        "type": "text",
        "subtype": "plain",
        "params": ["charset", "us-ascii"],
        "id": None,
        "description": None,
        "encoding": "7bit",
        "size": 17,
        "lines": 2,
        "envelope": None,
        "body": None,
        "md5": None,
        "disposition": None,
        "language": None,
        "location": None,
    }
    assert m.body_text == "hello bob,\nbye\n"


MIXED = crlf(
    "From: a@example.com\n"
    "Subject: mixed\n"
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/mixed; boundary="outer"\n'
    "\n"
    "This is the preamble.\n"
    "--outer\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Body one\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: text/plain\n"
    "\n"
    "plain alt\n"
    "--inner\n"
    "Content-Type: text/html\n"
    "\n"
    "<p>html alt</p>\n"
    "--inner--\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: inner@example.net\n"
    "Subject: inner message\n"
    "Content-Type: multipart/mixed; boundary=deep\n"
    "\n"
    "--deep\n"
    "\n"
    "deep text\n"
    "--deep\n"
    "Content-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "AAEC\n"
    "--deep--\n"
    "--outer\n"
    "Content-Type: application/pdf\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment;\n"
    " filename*0*=utf-8''r%C3%A9sum%C3%A9;\n"
    ' filename*1=".pdf"\n'
    "\n"
    "JVBERi0xLjQK\n"
    "--outer--\n"
    "This is the epilogue.\n"
)


def test_multipart_sections_are_slices() -> None:
    m = parse_message(MIXED)
    check_offsets(m, MIXED)
    assert sorted(m.parts) == ["1", "2", "2.1", "2.2", "3", "3.1", "3.2", "3.H", "4"]
    p = m.parts
    assert section(MIXED, p, "1") == (
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n",
        b"Body one",
    )
    mime2, body2 = section(MIXED, p, "2")
    assert mime2 == b"Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
    assert body2.startswith(b"--inner\r\n") and body2.endswith(b"--inner--")
    assert section(MIXED, p, "2.1") == (b"Content-Type: text/plain\r\n\r\n", b"plain alt")
    assert section(MIXED, p, "2.2")[1] == b"<p>html alt</p>"
    assert section(MIXED, p, "3")[0] == b"Content-Type: message/rfc822\r\n\r\n"
    assert section(MIXED, p, "3")[1].startswith(b"From: inner@example.net\r\n")
    assert section(MIXED, p, "3")[1].endswith(b"--deep--")
    # BODY[3.HEADER] and BODY[3.TEXT]
    head, text = section(MIXED, p, "3.H")
    assert head == (
        b"From: inner@example.net\r\nSubject: inner message\r\n"
        b"Content-Type: multipart/mixed; boundary=deep\r\n\r\n"
    )
    assert text.startswith(b"--deep\r\n") and text.endswith(b"--deep--")
    assert section(MIXED, p, "3.1") == (b"\r\n", b"deep text")
    assert section(MIXED, p, "3.2")[1] == b"AAEC"
    assert section(MIXED, p, "4")[1] == b"JVBERi0xLjQK"
    # preamble and epilogue are not parts
    assert b"preamble" not in b"".join(MIXED[b:e] for _, b, e in p.values() if e - b < 100)
    assert m.header_size == MIXED.index(b"This is the preamble")


def test_multipart_bodystructure() -> None:
    bs = parse_message(MIXED).bodystructure
    assert bs["subtype"] == "mixed"
    assert bs["params"] == ["boundary", "outer"]
    one, two, three, four = bs["multipart"]
    assert (one["type"], one["subtype"], one["params"], one["size"], one["lines"]) == (
        "text",
        "plain",
        ["charset", "utf-8"],
        8,
        1,
    )
    assert [c["subtype"] for c in two["multipart"]] == ["plain", "html"]
    assert two["params"] == ["boundary", "inner"]
    assert three["type"] == "message" and three["subtype"] == "rfc822"
    assert three["envelope"][1] == "inner message"
    assert three["envelope"][2] == [[None, None, "inner", "example.net"]]
    assert three["body"]["subtype"] == "mixed"
    assert [c["type"] for c in three["body"]["multipart"]] == ["text", "application"]
    assert three["lines"] == 13
    assert four["disposition"] == ["attachment", ["filename", "résumé.pdf"]]
    assert four["encoding"] == "base64"
    assert four["lines"] is None


def test_attachments_and_body_text() -> None:
    m = parse_message(MIXED)
    assert m.attachments == [("application/pdf", "résumé.pdf", 9)]
    assert m.body_text == "body one\nplain alt\n\nhtml alt\n\ndeep text"


def test_missing_close_delimiter() -> None:
    raw = crlf(
        "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst\n--b\n\nsecond, never closed\n"
    )
    m = parse_message(raw)
    assert sorted(m.parts) == ["1", "2"]
    assert section(raw, m.parts, "1")[1] == b"first"
    assert section(raw, m.parts, "2")[1] == b"second, never closed\r\n"
    assert m.parts["2"][2] == len(raw)


def test_transport_padding_and_prefix_boundaries() -> None:
    raw = crlf(
        "Content-Type: multipart/mixed; boundary=abc\n"
        "\n"
        "--abc  \t\n"
        "\n"
        "one\n"
        "--abcdef\n"
        "still one\n"
        "--abc-- \n"
        "epilogue\n"
    )
    m = parse_message(raw)
    assert list(m.parts) == ["1"]
    assert section(raw, m.parts, "1")[1] == b"one\r\n--abcdef\r\nstill one"


def test_bare_lf_message() -> None:
    raw = (
        b"Subject: lf\n"
        b"Content-Type: multipart/mixed; boundary=x\n"
        b"\n"
        b"--x\n"
        b"Content-Type: text/plain\n"
        b"\n"
        b"line1\n"
        b"line2\n"
        b"--x--\n"
    )
    m = parse_message(raw)
    assert m.header_size == raw.index(b"--x")
    assert section(raw, m.parts, "1") == (b"Content-Type: text/plain\n\n", b"line1\nline2")
    assert m.bodystructure["multipart"][0]["lines"] == 2
    assert m.subject == "lf"


def test_bare_cr_message() -> None:
    raw = b"Subject: old mac\rFrom: a@b.c\r\rbody line\rmore\r"
    m = parse_message(raw)
    assert m.subject == "old mac"
    assert m.header_size == raw.index(b"body")
    assert section(raw, m.parts, "1")[1] == b"body line\rmore\r"
    assert m.lines == 5
    assert m.body_text == "body line\nmore\n"


def test_message_rfc822_with_simple_inner() -> None:
    raw = crlf(
        "Content-Type: multipart/mixed; boundary=b\n"
        "\n"
        "--b\n"
        "Content-Type: message/rfc822\n"
        "\n"
        "Subject: inner\n"
        "\n"
        "inner body\n"
        "--b--\n"
    )
    m = parse_message(raw)
    assert sorted(m.parts) == ["1", "1.1", "1.H"]
    assert section(raw, m.parts, "1.H") == (b"Subject: inner\r\n\r\n", b"inner body")
    assert section(raw, m.parts, "1.1")[1] == b"inner body"
    body = m.bodystructure["multipart"][0]
    assert body["envelope"][1] == "inner"
    assert body["body"]["type"] == "text" and body["body"]["size"] == 10
    assert body["lines"] == 3


def test_top_level_message_rfc822() -> None:
    raw = crlf("Content-Type: message/rfc822\n\nSubject: wrapped\n\nhi\n")
    m = parse_message(raw)
    assert sorted(m.parts) == ["1", "1.1", "1.H"]
    assert section(raw, m.parts, "1.1")[1] == b"hi\r\n"
    assert m.bodystructure["envelope"][1] == "wrapped"


def test_digest_default_type_is_message() -> None:
    raw = crlf("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nbody\n--d--\n")
    m = parse_message(raw)
    child = m.bodystructure["multipart"][0]
    assert (child["type"], child["subtype"]) == ("message", "rfc822")
    assert child["envelope"][1] == "one"
    assert "1.H" in m.parts


def test_multipart_without_boundary_degrades_to_text() -> None:
    raw = crlf("Content-Type: multipart/mixed\nSubject: x\n\nno parts here\n")
    m = parse_message(raw)
    assert m.bodystructure["type"] == "text"
    assert m.bodystructure["params"] == ["charset", "us-ascii"]
    assert m.parts == {"1": (0, m.header_size, len(raw))}
    assert "no parts here" in m.body_text


def test_multipart_boundary_never_found() -> None:
    raw = crlf("Content-Type: multipart/mixed; boundary=zzz\n\n--yyy\n\ntext\n--yyy--\n")
    m = parse_message(raw)
    assert m.bodystructure["subtype"] == "plain"
    assert list(m.parts) == ["1"]


def test_encoded_message_rfc822_is_opaque() -> None:
    raw = crlf(
        "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
        "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
        "U3ViamVjdDogeA0KDQp5DQo=\n--b--\n"
    )
    m = parse_message(raw)
    part = m.bodystructure["multipart"][0]
    assert (part["type"], part["subtype"], part["envelope"]) == (
        "application",
        "octet-stream",
        None,
    )
    assert sorted(m.parts) == ["1"]


def test_nesting_depth_is_limited() -> None:
    depth = 150
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    raw = head + b"\r\ninnermost\r\n"
    m = parse_message(raw)
    check_offsets(m, raw)
    assert max(len(p.split(".")) for p in m.parts) == 100


def test_part_count_is_limited() -> None:
    raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n\r\nx\r\n" * 12000
    m = parse_message(raw)
    check_offsets(m, raw)
    assert len(m.parts) < 10_001
    assert m.parts[str(len(m.parts))][2] == len(raw)


def test_empty_message() -> None:
    m = parse_message(b"")
    assert (m.size, m.lines, m.header_size) == (0, 0, 0)
    assert m.parts == {"1": (0, 0, 0)}
    assert m.bodystructure["size"] == 0 and m.bodystructure["lines"] == 0
    assert m.envelope == [None] * 10
    assert (m.subject, m.from_, m.body_text, m.header_text) == ("", "", "", "")


def test_message_without_body() -> None:
    raw = b"Subject: only a header\r\nFrom: a@b.c\r\n"
    m = parse_message(raw)
    assert m.header_size == len(raw)
    assert m.parts == {"1": (0, len(raw), len(raw))}
    assert m.subject == "only a header"
    assert m.bodystructure["size"] == 0


def test_message_starting_with_blank_line_has_empty_header() -> None:
    raw = b"\r\nSubject: not a header\r\n"
    m = parse_message(raw)
    assert m.header_size == 2
    assert m.subject == ""
    assert m.headers == []


def test_nul_bytes() -> None:
    raw = b"Subject: a\x00b\r\nFrom: x\x00@y.z\r\n\r\nbody\x00text\r\n"
    m = parse_message(raw)
    assert m.subject == "a\ufffdb"
    assert m.envelope[1] == "a\ufffdb"
    assert m.body_text == "body\ufffdtext\n"
    assert "\x00" not in m.header_text
    assert m.parts["1"] == (0, raw.index(b"body"), len(raw))


def test_crlf_and_lf_agree_on_structure() -> None:
    lf = MIXED.replace(b"\r\n", b"\n")
    a, b = parse_message(MIXED), parse_message(lf)
    assert sorted(a.parts) == sorted(b.parts)
    assert a.envelope == b.envelope
    assert a.body_text == b.body_text
    assert a.attachments == b.attachments
    for path in a.parts:
        assert (
            section(MIXED, a.parts, path)[1].replace(b"\r\n", b"\n")
            == section(lf, b.parts, path)[1]
        )


def test_multipart_alternative_top_level() -> None:
    raw = crlf(
        "From: a@b.c\n"
        "Content-Type: multipart/alternative; boundary=alt\n"
        "\n"
        "--alt\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Gr=C3=BC=C3=9Fe\n"
        "--alt\n"
        "Content-Type: text/html; charset=utf-8\n"
        "\n"
        "<b>Gr&uuml;&szlig;e</b>\n"
        "--alt--\n"
    )
    m = parse_message(raw)
    assert m.parts == {
        "1": (
            raw.index(b"Content-Type: text/plain"),
            raw.index(b"Gr=C3"),
            raw.rindex(b"\r\n--alt\r\n"),
        ),
        "2": (raw.index(b"Content-Type: text/html"), raw.index(b"<b>"), raw.index(b"\r\n--alt--")),
    }
    assert bodystructure_to_wire(m.bodystructure, extended=True) == (
        b'(("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 15 1 NIL NIL NIL NIL)'
        b'("text" "html" ("charset" "utf-8") NIL NIL "7bit" 23 1 NIL NIL NIL NIL) '
        b'"alternative" ("boundary" "alt") NIL NIL NIL)'
    )
    assert m.body_text == "grüße\ngrüße"


def test_many_near_miss_boundary_lines() -> None:
    noise = b"--bX\r\n" * 200 + b"x--b\r\n" * 200
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n"
        + noise
        + b"\r\n--b\r\n\r\nsecond\r\n--b--\r\n"
    )
    m = parse_message(raw)
    assert sorted(m.parts) == ["1", "2"]
    assert section(raw, m.parts, "1")[1] == noise
    assert section(raw, m.parts, "2")[1] == b"second"


def test_transfer_encoding_with_comment() -> None:
    raw = crlf("Content-Transfer-Encoding: Base64 (it is)\n\naGVsbG8=\n")
    m = parse_message(raw)
    assert m.body_text == "hello"
    assert m.bodystructure["encoding"] == "Base64 (it is)"


def test_moderate_nesting_is_fully_parsed() -> None:
    depth = 30
    raw = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    raw += b"Content-Type: text/plain\r\n\r\nleaf\r\n"
    raw += b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth)))
    m = parse_message(raw)
    path = ".".join(["1"] * depth)
    assert section(raw, m.parts, path) == (b"Content-Type: text/plain\r\n\r\n", b"leaf")
    assert m.body_text == "leaf"


def test_internal_error_degrades_to_text_plain(monkeypatch) -> None:
    import mailstore.message.parse as parse_module

    def boom(buf: bytes) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(parse_module, "scan", boom)
    raw = b"Subject: x\r\n\r\nbody\r\n"
    m = parse_module.parse_message(raw)
    assert m.size == len(raw) and m.header_size == 14
    assert m.parts == {"1": (0, 14, len(raw))}
    assert m.bodystructure["type"] == "text"
    assert bodystructure_to_wire(m.bodystructure, extended=False) == (
        b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1)'
    )
