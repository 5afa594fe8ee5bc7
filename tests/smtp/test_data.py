"""The DATA decoder, pure: table-driven wire payloads and a round-trip property."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servers.smtp.data import DataDecoder, DataError, LineEndings, longest_line


def decode(wire: bytes, chunk: int = 0, **kwargs) -> tuple[object, bytes | None]:
    decoder = DataDecoder(kwargs.pop("max_size", 1 << 20), **kwargs)
    pieces = [wire] if not chunk else [wire[i : i + chunk] for i in range(0, len(wire), chunk)]
    leftover = None
    for piece in pieces:
        leftover = decoder.feed(piece)
        if leftover is not None:
            break
    if leftover is None:
        return None, None
    return decoder.result(), leftover


@pytest.mark.parametrize(
    ("wire", "content", "leftover"),
    [
        (b".\r\n", b"", b""),
        (b"a\r\n.\r\n", b"a\r\n", b""),
        (b"a\r\n.\r\nQUIT\r\n", b"a\r\n", b"QUIT\r\n"),
        (b"..\r\n.\r\n", b".\r\n", b""),
        (b"a\r\n..b\r\n.\r\n", b"a\r\n.b\r\n", b""),
        (b"a\r\n.b\r\n.\r\n", b"a\r\nb\r\n", b""),  # RFC 5321 §4.5.2: leading dot removed
        (b"a\r\n\r\n.\r\n", b"a\r\n\r\n", b""),
        (b"a\r\n.\r\n.\r\n", b"a\r\n", b".\r\n"),
    ],
)
@pytest.mark.parametrize("chunk", [0, 1, 2, 3, 5])
def test_decodes(wire, content, leftover, chunk):
    result, rest = decode(wire, chunk)
    assert result.error is None
    assert result.content == content
    if chunk == 0:
        assert rest == leftover


@pytest.mark.parametrize(
    "wire",
    [
        b"a\n.\n",  # <LF>.<LF>
        b"a\r\n.\n",  # <CR><LF>.<LF>
        b"a\n.\r\n",  # <LF>.<CR><LF>
        b"a\r.\r",  # <CR>.<CR>
        b"a\r.\r\n",
        b".\n",
    ],
)
def test_smuggling_endings_do_not_end_data(wire):
    decoder = DataDecoder(1 << 20)
    assert decoder.feed(wire + b"MAIL FROM:<x@y>\r\n") is None
    assert decoder.feed(b"more\r\n.\r\n") == b""
    result = decoder.result()
    assert result.error is DataError.BARE_LINE_ENDING


def test_normalise_mode_makes_crlf():
    decoder = DataDecoder(1 << 20, LineEndings.NORMALISE)
    assert decoder.feed(b"a\nb\rc\r\n.\n..d\r\n.\r\n") == b""
    # bare LF and CR are line ends here, for transparency dots too
    assert decoder.result().content == b"a\r\nb\r\nc\r\n\r\n.d\r\n"


def test_too_big_is_dropped_while_streaming():
    decoder = DataDecoder(1000)
    for _ in range(10_000):
        assert decoder.feed(b"x" * 998 + b"\r\n") is None
        assert len(decoder._buf) < 1000 + 1000 // 50 + 1024 + 1000
    assert decoder.feed(b".\r\nNOOP\r\n") == b"NOOP\r\n"
    assert decoder.result().error is DataError.TOO_BIG


def test_size_counts_content_not_transparency_dots():
    lines = b"..\r\n" * 200  # 800 octets on the wire, 600 once unstuffed
    result, _ = decode(lines + b".\r\n", max_size=700)
    assert result.error is None and len(result.content) == 600
    result, _ = decode(lines + b".\r\n", max_size=500)
    assert result.error is DataError.TOO_BIG


def test_line_too_long():
    ok, _ = decode(b"." + b"a" * 998 + b"\r\n.\r\n")
    assert ok.error is None
    long, _ = decode(b"a" * 999 + b"\r\n.\r\n")
    assert long.error is DataError.LINE_TOO_LONG


def test_longest_line_across_steps():
    data = b"a" * 3_000_000 + b"\n" + b"b" * 10 + b"\n"
    assert longest_line(data) == 3_000_000
    assert longest_line(b"") == 0
    assert longest_line(b"abc") == 3


_lines = st.lists(
    st.binary(max_size=80).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(lines=_lines, cuts=st.lists(st.integers(min_value=1, max_value=50), max_size=40))
def test_round_trip_any_chunking(lines, cuts):
    """Dot-stuffed and terminated by a client, any message decodes to itself."""
    content = b"".join(line + b"\r\n" for line in lines)
    wire = b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)
    wire += b".\r\nRSET\r\n"
    decoder = DataDecoder(1 << 20)
    pos, leftover = 0, None
    for cut in [*cuts, len(wire)]:
        piece = wire[pos : pos + cut]
        pos += cut
        if not piece:
            continue
        leftover = decoder.feed(piece)
        if leftover is not None:
            break
    assert leftover is not None
    assert leftover + wire[pos:] == b"RSET\r\n"
    result = decoder.result()
    assert result.error is None
    assert result.content == content
