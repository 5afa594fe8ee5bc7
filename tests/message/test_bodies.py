"""Body text for SEARCH, attachment listing, counts."""

from __future__ import annotations

import base64

import pytest

from mailstore.message import parse_message
from mailstore.message.text import BODY_TEXT_LIMIT, count_lines, decode_base64

from .helpers import crlf


def leaf(headers: str, body: bytes) -> bytes:
    return crlf("Subject: t\n" + headers + "\n") + body


CASES = [
    ("", b"Plain ASCII\r\n", "plain ascii\r\n".replace("\r", "")),
    (
        "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n",
        b"Caf=E9 cr=\r\n=E8me =3D ok\r\n",
        "café crème = ok\n",
    ),
    (
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
        base64.encodebytes("Grüße\nÅngström\n".encode()).replace(b"\n", b"\r\n"),
        "grüße\nångström\n",
    ),
    (
        "Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n",
        "Привет, мир\r\n".encode("koi8-r"),
        "привет, мир\n",
    ),
    (
        "Content-Type: text/plain; charset=shift_jis\n",
        "日本語テキスト".encode("shift_jis"),
        "日本語テキスト",
    ),
    (
        "Content-Type: text/html; charset=utf-8\n",
        b"<html><head><title>T</title><style>p{}</style></head><body>"
        b"<p>Caf&eacute; &amp; <b>Cr&#232;me</b></p><script>x='<p>'</script>"
        b"<!-- hidden --><table><tr><td>A</td><td>B</td></tr></table></body></html>",
        "\ncafé & crème\n\n\n\na\n\nb\n\n\n",
    ),
    ("Content-Type: text/plain; charset=bogus-charset\n", b"caf\xc3\xa9", "café"),
    ("Content-Type: text/plain; charset=us-ascii\n", b"caf\xe9", "café"),
    ("Content-Type: text/plain; charset=utf-8\n", b"bad \xff utf8", "bad \ufffd utf8"),
    ("Content-Type: application/octet-stream\n", b"binary \x00\x01", ""),
    ("Content-Type: image/png\nContent-Transfer-Encoding: base64\n", b"iVBORw0KGgo=", ""),
    ("Content-Transfer-Encoding: base64\n", b"aGVsbG8gd29ybGQ", "hello world"),  # no padding
    ("Content-Transfer-Encoding: base64\n", b"!!!not base64!!!", None),  # some text, no error
    ("Content-Transfer-Encoding: x-unknown\n", b"As Is", "as is"),
]


@pytest.mark.parametrize(("headers", "body", "expected"), CASES)
def test_body_text(headers: str, body: bytes, expected: str | None) -> None:
    m = parse_message(leaf(headers, body))
    if expected is None:
        assert isinstance(m.body_text, str)
    else:
        assert m.body_text == expected


def test_body_text_is_capped() -> None:
    raw = leaf("", b"a" * (BODY_TEXT_LIMIT + 5000))
    m = parse_message(raw)
    assert len(m.body_text) == BODY_TEXT_LIMIT


def test_attachments() -> None:
    raw = crlf(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\n\nbody\n"
        "--b\n"
        'Content-Type: image/PNG; name="=?utf-8?q?b=C3=A9b=C3=A9.png?="\n'
        "Content-Transfer-Encoding: base64\n\n"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB\n"
        "CAYAAAAfFcSJAAAADUlEQVR42mNkYPhf\n"
        "DwAChwGA60e6kgAAAABJRU5ErkJggg==\n"
        "--b\n"
        "Content-Type: text/csv\n"
        "Content-Disposition: attachment\n\n"
        "a,b\n1,2\n"
        "--b\n"
        "Content-Type: application/pdf\n"
        "Content-Disposition: inline; filename=report.pdf\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        "%PDF=3D=3D\n"
        "--b\n"
        "Content-Type: text/plain\n"
        "Content-Disposition: inline\n\n"
        "inline text is not an attachment\n"
        "--b--\n"
    )
    m = parse_message(raw)
    assert m.attachments == [
        ("image/png", "bébé.png", 70),
        ("text/csv", "", 8),
        ("application/pdf", "report.pdf", 6),
    ]
    assert len(base64.b64decode(b"".join(raw.split(b"\r\n\r\n")[3].split(b"\r\n")[:3]))) == 70
    assert "a,b\n1,2" in m.body_text
    assert "inline text" in m.body_text


def test_count_lines() -> None:
    assert count_lines(b"", 0, 0) == 0
    assert count_lines(b"a", 0, 1) == 1
    assert count_lines(b"a\r\n", 0, 3) == 1
    assert count_lines(b"a\r\nb", 0, 4) == 2
    assert count_lines(b"\n\n", 0, 2) == 2


def test_decode_base64_tolerates_junk() -> None:
    assert decode_base64(b"aGVs\r\nbG8=\r\n") == b"hello"
    assert decode_base64(b"aGVsbG8") == b"hello"
    assert decode_base64(b"aGVsbG8=====") == b"hello"
    assert decode_base64(b"a") == b""
    assert decode_base64(b"") == b""


def test_sha256_and_size() -> None:
    import hashlib

    raw = leaf("", b"x")
    m = parse_message(raw)
    assert m.sha256 == hashlib.sha256(raw).digest()
    assert m.size == len(raw)


def test_large_attachment_is_not_decoded_for_text() -> None:
    blob = base64.encodebytes(bytes(range(256)) * 40000).replace(b"\n", b"\r\n")  # ~10 MB
    raw = (
        crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nhi\n--b\n")
        + crlf("Content-Type: application/zip; name=a.zip\nContent-Transfer-Encoding: base64\n\n")
        + blob
        + b"--b--\r\n"
    )
    m = parse_message(raw)
    assert m.body_text == "hi"
    assert m.attachments == [("application/zip", "a.zip", 256 * 40000)]
