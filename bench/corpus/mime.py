"""Low-level building blocks: dates, header folding, RFC 2047 words, MIME entities."""

from __future__ import annotations

import base64
import binascii
import bisect
import itertools
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

_END = 1735689600  # 2025-01-01T00:00:00Z
_SPAN = (3 * 365 + 1) * 86400
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _date(ts: int, tz: int = 0, pad: bool = True) -> str:
    """RFC 5322 date-time (never strftime: %a/%b follow the locale)."""
    t = time.gmtime(ts + tz * 60)
    day = f"{t.tm_mday:02d}" if pad else str(t.tm_mday)
    sign, a = ("-" if tz < 0 else "+"), abs(tz)
    return (
        f"{_DAYS[t.tm_wday]}, {day} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {sign}{a // 60:02d}{a % 60:02d}"
    )


def _asctime(ts: int) -> str:
    t = time.gmtime(ts)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {t.tm_year}"
    )


def _hdr(name: str, value: str) -> str:
    """One header field, folded at spaces to 78 columns unless already folded."""
    line = f"{name}: {value}"
    if len(line) <= 78 or "\r\n" in value:
        return line + "\r\n"
    words = line.split(" ")
    out, cur = [], words[0] + " " + words[1]
    for w in words[2:]:
        if len(cur) + 1 + len(w) > 78:
            out.append(cur)
            cur = " " + w
        else:
            cur += " " + w
    out.append(cur)
    return "\r\n".join(out) + "\r\n"


_Q_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/"
_QTAB = tuple("_" if b == 32 else chr(b) if b in _Q_SAFE else f"={b:02X}" for b in range(256))


def _q(data: bytes) -> str:
    return "".join([_QTAB[b] for b in data])


def _encoded_words(text: str, enc: tuple[str, str, str]) -> str:
    """RFC 2047 encoded words (each <= 75 chars, never splitting a character)."""
    codec, method, label = enc
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        codec, label = "utf-8", "UTF-8" if label.isupper() else "utf-8"
    head = f"=?{label}?{method}?"
    room = 73 - len(head)
    out, i, n = [], 0, len(text)
    while i < n:
        j, best = i + 1, b""
        while j <= n:
            data = text[i:j].encode(codec)
            size = (len(data) + 2) // 3 * 4 if method == "B" else len(_q(data))
            if size > room:
                break
            best, j = data, j + 1
        if not best:
            raise ValueError(f"cannot fit {text[i]!r} into an encoded word")
        word = base64.b64encode(best).decode("ascii") if method == "B" else _q(best)
        out.append(f"{head}{word}?=")
        i = j - 1
    return " ".join(out)


_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


def _mailbox(name: str, addr: str, enc: tuple[str, str, str]) -> str:
    if not name:
        return addr
    if not name.isascii():
        return f"{_encoded_words(name, enc)} <{addr}>"
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


_WRAP: dict[int, re.Pattern[str]] = {}


def _wrap(text: str, width: int) -> list[str]:
    rx = _WRAP.get(width)
    if rx is None:
        rx = _WRAP[width] = re.compile(rf"(.{{1,{width}}})(?: +|$)|(.{{{width}}})")
    return [a or b for a, b in rx.findall(text)]


def _encode_text(text: str, charset: str, cte: str) -> tuple[str, str, bytes]:
    """Encode ``text`` (LF line ends) as a body; falls back to utf-8 if it does not fit."""
    if cte == "7bit" and charset != "iso-2022-jp" and not text.isascii():
        cte = "quoted-printable"
    try:
        if charset == "iso-2022-jp":  # RFC 1468: every line ends in ASCII
            data = b"\n".join([ln.encode(charset) for ln in text.split("\n")])
        else:
            data = text.encode(charset)
    except UnicodeEncodeError:
        charset, cte = "utf-8", "base64" if cte == "base64" else "quoted-printable"
        data = text.encode(charset)
    if cte == "base64":
        return charset, cte, _b64(data.replace(b"\n", b"\r\n"))
    if cte == "quoted-printable":
        data = binascii.b2a_qp(data)
    return charset, cte, data.replace(b"\n", b"\r\n")


def _fit(text: str, charset: str) -> str:
    """``charset`` if it can encode ``text``, else utf-8 (as ``_encode_text`` falls back)."""
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return "utf-8"
    return charset


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _entity(headers: list[str], body: bytes) -> bytes:
    return "".join(headers).encode("ascii") + b"\r\n" + body


def _multipart(boundary: str, parts: list[bytes], preamble: bytes = b"") -> bytes:
    delim = b"--" + boundary.encode("ascii")
    out = [preamble]
    for p in parts:
        out += (delim, b"\r\n", p)
    out += (delim, b"--\r\n")
    return b"".join(out)


class _Weighted:
    """Weighted choice driven by ``random()`` alone (stable across Python versions)."""

    def __init__(self, items: Iterable[tuple[object, float]]) -> None:
        pairs = list(items)
        self.items = [it for it, _ in pairs]
        self.cum = list(itertools.accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, r: Callable[[], float]) -> Any:
        return self.items[bisect.bisect(self.cum, r() * self.total)]


def _pick(r: Callable[[], float], seq: Sequence[Any]) -> Any:
    return seq[int(r() * len(seq))]
