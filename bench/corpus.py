"""A deterministic, realistic email corpus for benchmarks and tests (stdlib only).

``generate(count, seed)`` lazily yields :class:`CorpusMessage` objects. For the same
arguments the bytes are identical on every run and every Python >= 3.11: the only source
of randomness is one ``random.Random(seed)``, drawn from with ``random()`` and
``getrandbits()`` only (CPython keeps both stable), never ``hash()`` ordering or the clock.
Message *i* depends on ``count`` only through its timestamps: the corpus always spans
about three years, so the step between two internal dates is ``3 years / count``.

What is in it: ~55 % text/plain, ~25 % multipart/alternative, ~15 % multipart/mixed with
pdf/jpeg/png/office/zip-like base64 attachments (long-tailed sizes: median message ~8 KB, a
few of 1-5 MB), some html-only newsletters, message/rfc822 forwards and DSN bounces; bodies
in English, German, French, Russian and Japanese in us-ascii, utf-8, iso-8859-1/-15,
windows-1252/-1251, koi8-r, shift_jis and iso-2022-jp, sent 7bit, 8bit, quoted-printable or
base64; RFC 2047 encoded words (B and Q) in subjects and display names; ~40 % replies that
thread by In-Reply-To/References; mailing-list, DKIM, Received and mailer-specific headers.
Text comes from a Zipf-distributed vocabulary of a few thousand pseudo-words; senders from a
skewed pool of ~400 addresses. Lines are CRLF-terminated and at most 998 octets.

Marker words give searches an exact expected answer: ``expected_hits(word, count)``.
``WORDS_0_1``/``WORDS_1``/``WORDS_10`` occur in the decoded body text (never in headers) of
0.1 %/1 %/10 % of messages; ``SUBJECT_WORD`` in the Subject of 1 %; ``FROM_ADDRESS`` is the
top-level From of 1 %. No other word of the decoded text (HTML markup aside) contains the
letter "q", so no marker can appear by accident.

CLI: ``python -m bench.corpus --count N --seed S --format mbox|maildir|eml-dir --out PATH``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import bisect
import html
import itertools
import math
import os
import random
import re
import sys
import time
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "FROM_ADDRESS",
    "MARKERS",
    "SUBJECT_WORD",
    "WORDS_0_1",
    "WORDS_1",
    "WORDS_10",
    "CorpusMessage",
    "expected_hits",
    "generate",
    "has_marker",
    "main",
    "write_eml_dir",
    "write_maildir",
    "write_mbox",
]

# --------------------------------------------------------------------------- markers

WORDS_0_1: tuple[str, ...] = ("zorquaxian", "quibbletron", "vexquillion")
WORDS_1: tuple[str, ...] = ("blorquent", "quazzimodal", "frobquistic")
WORDS_10: tuple[str, ...] = ("snarquel", "quendrix", "plumquat")
SUBJECT_WORD = "quorbitrax"
FROM_ADDRESS = "zed.quimby@marker-sender.example"

#: word -> (period, offset): message ``i`` carries the marker iff ``i % period == offset``.
MARKERS: dict[str, tuple[int, int]] = {
    **{w: (1000, k * 337) for k, w in enumerate(WORDS_0_1)},
    **{w: (100, 1 + k * 33) for k, w in enumerate(WORDS_1)},
    **{w: (10, 2 + k * 3) for k, w in enumerate(WORDS_10)},
    SUBJECT_WORD: (100, 7),
    FROM_ADDRESS: (100, 13),
}
_BODY_MARKERS = tuple((w, *MARKERS[w]) for w in (*WORDS_0_1, *WORDS_1, *WORDS_10))


def has_marker(word: str, index: int) -> bool:
    """Whether message ``index`` carries ``word`` (in its body, Subject or From)."""
    period, offset = MARKERS[word]
    return index % period == offset


def expected_hits(word: str, count: int) -> int:
    """How many of the first ``count`` messages carry the marker ``word``."""
    period, offset = MARKERS[word]
    return 0 if count <= offset else (count - 1 - offset) // period + 1


@dataclass(frozen=True, slots=True)
class CorpusMessage:
    index: int
    raw: bytes  # CRLF line endings, RFC 5322
    internal_date: datetime  # tz-aware UTC
    flags: frozenset[str]
    mail_from: str = ""  # SMTP envelope sender ("" for bounces)
    rcpt_to: tuple[str, ...] = ()  # SMTP envelope recipients, drawn from `recipients`


# --------------------------------------------------------------------------- low level

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


# --------------------------------------------------------------------------- static data
# The letter "q" appears nowhere below: it is reserved for the marker words.


def _split(spec: str, sep: str = "/") -> list[tuple[str, ...]]:
    """``"a/b/1 c/d/2"`` -> ``[("a", "b", 1.0), ("c", "d", 2.0)]`` (the last field a weight)."""
    return [(*f[:-1], float(f[-1])) for f in (item.split(sep) for item in spec.split())]


def _prefixes(spec: str) -> _Weighted:  # "_" stands for a space
    return _Weighted((p.replace("_", " "), w) for p, w in _split(spec))


def _pairs(spec: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b in (item.split(":") for item in spec.split())]


_EN_FUNC = (
    "the of and to a in is it you that he was for on are with as I his they be at one have "
    "this from or had by not but what all were we when your can said there use an each which "
    "she do how their if will up other about out many then them these so some her would make "
    "like him into time has look two more write go see number no way could people my than "
    "first been call who its now find long down day did get come made may part please thanks "
    "don't it's we'll I'm can't let's"
).split()
_DE_FUNC = (
    "und der die das in zu den nicht von sie ist des sich mit dem dass er es ein ich auf so "
    "eine auch als an nach wie im für man aber aus durch wenn nur war noch werden bei hat wir "
    "was wird sein einen sind oder um über können müssen bitte Grüße möchte schön natürlich "
    "später ähnlich würde prüfen Größe Straße Änderung Übersicht"
).split()
_FR_FUNC = (
    "le la les de des et à un une pour dans est pas nous vous il elle en du au sur ce "
    "avec cette être très déjà où après même été ça merci bien réunion prochaine réponse "
    "cœur œuvre sœur fenêtre château"
).split()
_RU_FUNC = (
    "и в не на я что он с как а то все она так его но да ты к у же вы за бы по только её мне "
    "было вот от меня ещё нет о из ему теперь когда даже ну ли если уже или ни быть был до вас "
    "опять вам ведь там потом себя ничего может они тут где есть надо для мы тебя их чем была "
    "сам без чего раз тоже себе под будет тогда кто этот спасибо пожалуйста"
).split()
_SYLLABLES = {  # onsets, nuclei, codas ("|"-separated, empty entries allowed)
    "en": (
        "|b|bl|br|c|ch|cl|cr|d|dr|f|fl|fr|g|gl|gr|h|j|k|l|m|n|p|pl|pr|r|s|sh|sk|sl|sp|st|str|t|th"
        "|tr|v|w|wh|y",
        "a|e|i|o|u|ai|ea|ee|oo|ou|ie|oa|y",
        "|||n|r|s|t|l|m|nd|nt|st|rk|ng|ck|sh|th|ll|ss|x|z",
    ),
    "de": (
        "|b|d|f|g|h|k|l|m|n|p|r|s|t|w|sch|st|sp|br|fr|gr|kr|tr|pf|z",
        "a|e|i|o|u|ä|ö|ü|ei|au|ie|eu",
        "||n|r|s|t|ch|ng|nd|lt|ß|tz|rm",
    ),
    "fr": (
        "|b|c|d|f|g|j|l|m|n|p|r|s|t|v|ch|br|cr|pl|tr|ç",
        "a|e|i|o|u|é|è|ê|ai|ou|eau|oi|au|â|ô|û",
        "||n|r|s|l|t|x",
    ),
    "ru": (
        "|б|в|г|д|ж|з|к|л|м|н|п|р|с|т|ф|х|ц|ч|ш|щ|бр|гр|др|кр|пр|ст|тр",
        "а|е|и|о|у|ы|я|ю|э|ё",
        "|||н|р|с|т|л|й|м|к",
    ),
}
_HIRAGANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん"
)
_KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
)
_KANJI = (
    "日本語会議資料確認予定時間場所連絡事項報告提案検討対応問題結果今後新規担当者部署開発製品"
    "顧客営業管理情報技術設計変更追加削除完了開始終了期限価格注文発送到着請求支払契約"
)
_JA_PARTICLES = "はがをにでとのもへ"
_JA_ENDS = ("です。", "ます。", "。", "でした。", "ました。", "ください。")

_NAMES = {  # given names, family names
    "en": (
        "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
        "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa "
        "Anthony Betty Mark Sandra Paul Ashley Steven Kimberly Andrew Emily Kevin Donna Brian "
        "Michelle George Carol Edward Amanda Ronald Melissa Timothy Deborah Priya Wei Aisha",
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
        "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
        "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell "
        "O'Brien Carter Roberts Patel Chen",
    ),
    "de": (
        "Jörg Jürgen Günter Björn Käthe Sören Bärbel Uwe Hans Klaus Stefan Anja Katrin Ulrike "
        "Dörte Mareike Jan Lukas Jonas Lea Sophie Maximilian Grete Jens Birgit",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
        "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
        "Hartmann Lange Schmitt Werner Krause Köhler Weiß Fuß Jäger Böhm",
    ),
    "fr": (
        "François Hélène Jérôme Élodie Benoît Céline Gaëlle Loïc Anaïs Stéphane Frédéric Noémie "
        "Théo Léa Chloé Zoé Cécile Amélie Rémi",
        "Lefèvre Dubois Durand Leroy Moreau Simon Laurent Lefebvre Michel Bertrand Roux Vincent "
        "Fournier Morel Girard André Mercier Dupont Lambert Bonnet Béranger",
    ),
}
# (display, romanised) pairs
_RU_M = _pairs(
    "Алексей:aleksey Дмитрий:dmitry Сергей:sergey Андрей:andrey Михаил:mikhail Иван:ivan "
    "Владимир:vladimir Павел:pavel"
)
_RU_F = _pairs(
    "Наталья:natalya Ольга:olga Екатерина:ekaterina Юлия:yulia Татьяна:tatyana Анна:anna "
    "Мария:maria"
)
_RU_LAST = _pairs(
    "Иванов:ivanov Смирнов:smirnov Кузнецов:kuznetsov Попов:popov Васильев:vasilyev "
    "Петров:petrov Соколов:sokolov Фёдоров:fyodorov Морозов:morozov Волков:volkov"
)
_JA_LAST = _pairs(
    "佐藤:sato 鈴木:suzuki 高橋:takahashi 田中:tanaka 伊藤:ito 渡辺:watanabe 山本:yamamoto "
    "中村:nakamura 小林:kobayashi 加藤:kato 佐々木:sasaki"
)
_JA_FIRST = _pairs(
    "太郎:taro 花子:hanako 健:ken 誠:makoto 裕子:yuko 直子:naoko 大輔:daisuke 翔太:shota "
    "美咲:misaki 陽子:yoko"
)
_DOMAINS = {
    "en": (
        "acme-widgets.example initech.example globex.test hooli.example "
        "northwind-traders.example contoso.test fabrikam.example umbrella-labs.example "
        "example.com example.net"
    ).split(),
    "de": "beispiel-gmbh.example mustermann-ag.example stadtwerke-nord.test werkzeugbau.example".split(),
    "fr": "exemple-sarl.example boulangerie-martin.test mairie-exemple.example".split(),
    "ru": "primer-ooo.example zavod-sever.test".split(),
    "ja": "rei-kabushiki.example tanaka-shoji.test".split(),
    "free": "mailbox.example inbox.test post.example.net webmail.example.com".split(),
}
_BULK = [  # notification and newsletter senders
    tuple(item.split("|"))
    for item in (
        "GitForge|notifications@gitforge.example;Shop Deals|news@shop.example;"
        "Calendar|calendar-notification@cal.example;MyBank Alerts|alerts@bank.test;"
        "Travel Weekly|deals@travel.example;Forum Digest|digest@forum.test;"
        "Tracker|tracker@issues.example;Cloud Billing|billing@cloud.example;"
        "Social Network|no-reply@social.example;Build Bot|ci@builds.example"
    ).split(";")
]
_LISTS = [  # mailing lists at lists.example.net: (local part, description)
    tuple(item.split("|"))
    for item in (
        "dev|Project developers;users|User discussion;announce|Announcements;"
        "ops|Operations team;book-club|Book club;verein|Vereinsmitglieder;rassylka|Rassylka;"
        "kaihatsu|Kaihatsu"
    ).split(";")
]
_LIST_IP = "198.51.100.25"
_LANG_SHARE = _split("en/58 en8/10 de/12 fr/7 ru/7 ja/6")  # "en8": English, typographic quotes
_TZ = {  # UTC offsets in minutes
    "en": (-480, -420, -360, -300, -240, 0, 60, 330, 600),
    "de": (60, 120),
    "fr": (60, 120),
    "ru": (180, 300),
    "ja": (540,),
}
_PROFILE_SHARE = {  # which mail program a sender uses
    "en": _split("gmail/35 outlook/25 apple/15 thunderbird/10 mutt/5 roundcube/10"),
    "de": _split("outlook/35 thunderbird/25 gmail/20 apple/10 roundcube/10"),
    "fr": _split("outlook/35 thunderbird/25 gmail/20 apple/10 roundcube/10"),
    "ru": _split("thunderbird/30 gmail/30 outlook/20 roundcube/20"),
    "ja": _split("outlook/30 thunderbird/25 gmail/30 apple/15"),
}
_ORDER = {  # the order (and spelling) in which each mail program writes its header fields
    "gmail": "MIME-Version References In-Reply-To From Date Message-ID Subject To Cc Content-Type "
    "Content-Transfer-Encoding",
    "thunderbird": "Message-ID Date MIME-Version User-Agent Content-Language Subject To Cc "
    "References From In-Reply-To Content-Type Content-Transfer-Encoding",
    "outlook": "From To CC Subject Thread-Topic Thread-Index Date Message-ID References "
    "In-Reply-To Accept-Language Content-Language X-MS-Has-Attach Content-Type "
    "Content-Transfer-Encoding MIME-Version",
    "apple": "From Content-Type Content-Transfer-Encoding Mime-Version Subject Message-Id Date Cc "
    "To In-Reply-To References X-Mailer",
    "mutt": "Date From To Cc Subject Message-ID References In-Reply-To MIME-Version Content-Type "
    "Content-Disposition Content-Transfer-Encoding User-Agent",
    "roundcube": "MIME-Version Date From To Cc Subject In-Reply-To References Message-ID X-Sender "
    "User-Agent Content-Type Content-Transfer-Encoding",
    "bulk": "Date To From Reply-To Subject Message-ID X-Mailer MIME-Version Content-Type "
    "Content-Transfer-Encoding",
    "postfix": "Date From Subject To Auto-Submitted MIME-Version Content-Type Message-Id",
}
_AGENT = {
    "thunderbird": ("User-Agent", "Mozilla Thunderbird"),
    "apple": ("X-Mailer", "Apple Mail (2.3774.300.61.1.2)"),
    "mutt": ("User-Agent", "Mutt/2.2.12 (2023-09-09)"),
    "roundcube": ("User-Agent", "Roundcube Webmail/1.6.5"),
    "outlook": ("X-Mailer", "Microsoft Outlook 16.0"),
    "bulk": ("X-Mailer", "PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)"),
}
_BODY_ENC = {  # charset/transfer encoding/weight of text bodies
    "en": _split("us-ascii/7bit/50 utf-8/7bit/30 utf-8/quoted-printable/10 iso-8859-1/7bit/10"),
    "en8": _split(
        "windows-1252/quoted-printable/45 utf-8/quoted-printable/30 utf-8/base64/15 utf-8/8bit/10"
    ),
    "de": _split(
        "iso-8859-1/quoted-printable/35 utf-8/quoted-printable/25 utf-8/8bit/15 "
        "iso-8859-15/quoted-printable/10 utf-8/base64/10 windows-1252/quoted-printable/5"
    ),
    "fr": _split(
        "iso-8859-15/quoted-printable/30 utf-8/quoted-printable/30 "
        "windows-1252/quoted-printable/20 utf-8/base64/10 utf-8/8bit/10"
    ),
    "ru": _split(
        "koi8-r/base64/30 koi8-r/8bit/10 koi8-r/quoted-printable/10 utf-8/base64/35 "
        "windows-1251/base64/15"
    ),
    "ja": _split("iso-2022-jp/7bit/45 shift_jis/base64/20 utf-8/base64/30 utf-8/8bit/5"),
}
_HDR_ENC = {  # charset/RFC 2047 encoding/weight of encoded words
    "en": _split("utf-8/Q/60 utf-8/B/40"),
    "en8": _split("windows-1252/Q/40 utf-8/Q/35 utf-8/B/25"),
    "de": _split("iso-8859-1/Q/45 utf-8/Q/25 utf-8/B/20 iso-8859-15/Q/10"),
    "fr": _split("iso-8859-15/Q/35 utf-8/Q/35 windows-1252/Q/15 utf-8/B/15"),
    "ru": _split("koi8-r/B/50 utf-8/B/40 koi8-r/Q/10"),
    "ja": _split("iso-2022-jp/B/55 shift_jis/B/15 utf-8/B/30"),
}


class _Phrases(NamedTuple):
    greet: tuple[str, ...]
    close: tuple[str, ...]
    wrote: str
    banner: str  # inline forward
    reply: _Weighted  # subject prefixes
    forward: tuple[str, ...]


_PHRASES = {
    "en": _Phrases(
        ("Hi {n},", "Hello {n},", "Dear {n},", "Hey {n},", "Good morning {n},"),
        ("Best regards,", "Thanks,", "Cheers,", "Kind regards,", "Best,"),
        "On {d}, {n} wrote:",
        "---------- Forwarded message ---------",
        _prefixes("Re:_/85 RE:_/10 Re:_Re:_/5"),
        ("Fwd: ", "Fw: ", "FW: "),
    ),
    "de": _Phrases(
        ("Hallo {n},", "Lieber {n},", "Guten Tag {n},", "Sehr geehrte Damen und Herren,"),
        ("Viele Grüße", "Mit freundlichen Grüßen", "Beste Grüße", "Gruß"),
        "Am {d} schrieb {n}:",
        "-------- Weitergeleitete Nachricht --------",
        _prefixes("AW:_/50 Re:_/40 Aw:_/5 AW:_AW:_/5"),
        ("WG: ", "Fwd: "),
    ),
    "fr": _Phrases(
        ("Bonjour {n},", "Cher {n},", "Salut {n},", "Madame, Monsieur,"),
        ("Cordialement,", "Bien à vous,", "Merci d'avance,", "Bonne journée,"),
        "Le {d}, {n} a écrit :",
        "-------- Message transféré --------",
        _prefixes("Re:_/60 RE_:_/40"),
        ("TR : ", "Fwd: "),
    ),
    "ru": _Phrases(
        ("Здравствуйте, {n}!", "Привет, {n}!", "Добрый день, {n}!"),
        ("С уважением,", "Спасибо,", "Всего доброго,"),
        "{d}, {n} пишет:",
        "-------- Пересылаемое сообщение --------",
        _prefixes("Re:_/100"),
        ("Fwd: ",),
    ),
    "ja": _Phrases(
        ("{n}様", "{n}さん", "お世話になっております。"),
        ("よろしくお願いいたします。", "以上です。", "宜しくお願いします。"),
        "{d} {n} さんは書きました:",
        "-------- 転送メッセージ --------",
        _prefixes("Re:_/80 RE:_/20"),
        ("Fwd: ", "FW: "),
    ),
}
_OOXML = "application/vnd.openxmlformats-officedocument."
_ATTACH = (  # extension, content type, magic (see _MAGIC), weight, median size in bytes
    ("pdf", "application/pdf", "pdf", 34, 30_000),
    ("jpg", "image/jpeg", "jpg", 20, 50_000),
    ("png", "image/png", "png", 12, 25_000),
    ("docx", _OOXML + "wordprocessingml.document", "zip", 9, 20_000),
    ("xlsx", _OOXML + "spreadsheetml.sheet", "zip", 6, 15_000),
    ("zip", "application/zip", "zip", 5, 40_000),
    ("ics", "text/calendar", "", 8, 0),
    ("txt", "text/plain", "", 3, 0),
    ("csv", "text/csv", "", 3, 0),
)
_ATTACH_W = _Weighted((a, a[3]) for a in _ATTACH)
_MAGIC = {  # what the first and last bytes of such a file look like
    "pdf": (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Length 0 /Filter /FlateDecode >>\nstream\n",
        b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    ),
    "png": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x00\x00\x00\x03\x00\x08\x06\x00\x00\x00",
        b"\x00\x00\x00\x00IEND\xaeB`\x82",
    ),
    "jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00H\x00H\x00\x00", b"\xff\xd9"),
    "zip": (b"PK\x03\x04\x14\x00\x08\x00\x08\x00", b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00"),
}
_STEMS = {  # attachment file names
    "en": (
        "Invoice_{n}",
        "Report {W} {y}",
        "{W}_{W}_v{d}",
        "Scan_{t}",
        "Agenda {W}",
        "Contract_{n}",
    ),
    "de": ("Rechnung_{n}", "Angebot {W}", "Übersicht_{y}", "Präsentation_{W}", "Protokoll {t}"),
    "fr": ("Facture_{n}", "Présentation {W}", "Compte-rendu_{t}", "Devis_{n}"),
    "ru": ("Договор_{n}", "Счёт_{n}", "Отчёт {y}"),
    "ja": ("見積書_{n}", "資料_{t}", "議事録_{t}"),
}
_IMAGE_STEMS = ("IMG_{n}", "image00{d}", "Screenshot {t} at {h}", "photo", "scan{d}")
_NEWSLETTER_CSS = (
    '<style type="text/css">\n'
    + "".join(
        f".c{k} {{ font-family: Helvetica, Arial, sans-serif; font-size: {11 + k % 6}px; "
        f"line-height: 1.{k % 9}; color: #{k * 2654435 % 0xFFFFFF:06x}; padding: {k % 7}px; }}\n"
        for k in range(40)
    )
    + "</style>\n"
)
_KINDS = _Weighted(_split("plain/55 alt/25 mixed/15 fwd/2 html/2.5 dsn/0.5"))
_BODY_MEDIAN = 2200  # characters of new text; tuned for a median message of ~8 KB
_ATTACH_SIGMA = 1.25
_FLAG_ODDS = _split(
    "\\Flagged/0.05 $Forwarded/0.02 \\Deleted/0.004 \\Draft/0.002 $Junk/0.01 $NotJunk/0.02 "
    "$MDNSent/0.005 $label1/0.01"
)
_CONTENT_LANGUAGE = dict(_pairs("en:en-US en8:en-GB de:de-DE fr:fr-FR ru:ru ja:ja"))
_MAILDIR_FLAGS = dict(
    _pairs("\\Draft:D \\Flagged:F $Forwarded:P \\Answered:R \\Seen:S \\Deleted:T")
)


# --------------------------------------------------------------------------- tables


class _Lang(NamedTuple):
    code: str  # "en8" is English with typographic punctuation
    sentences: list[str]
    paras: list[tuple[str, str]]  # paragraph pool: (text, text wrapped to `wrap` columns)
    vocab: list[str]
    cum: list[float]
    sep: str
    wrap: int
    scale: float  # body length factor (bytes per character)
    body_enc: _Weighted
    hdr_enc: _Weighted
    phrases: _Phrases


class _Sender(NamedTuple):
    name: str
    addr: str
    lang: str
    tz: int
    profile: str
    dkim: bool
    company: str
    ip: str


def _ascii(s: str) -> str:
    s = s.translate({0xE4: "ae", 0xF6: "oe", 0xFC: "ue", 0xDF: "ss", 0x27: ""})
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()


def _vocab(rng: random.Random, lang: str, func: list[str], size: int) -> list[str]:
    r, seen, scored = rng.random, set(func), []
    if lang == "ja":
        while len(scored) < size:
            x = r()
            if x < 0.4:
                w = _pick(r, _KANJI) + _pick(r, _KANJI)
            elif x < 0.7:
                w = "".join(_pick(r, _HIRAGANA) for _ in range(2 + int(r() * 3)))
            else:
                w = "".join(_pick(r, _KATAKANA) for _ in range(3 + int(r() * 3))) + "ー"
            if w not in seen:
                seen.add(w)
                scored.append((len(w) + r() * 2, w))
    else:
        onsets, nuclei, codas = (part.split("|") for part in _SYLLABLES[lang])
        while len(scored) < size:
            ns = 1 + int(r() * r() * 4)
            w = "".join(_pick(r, onsets) + _pick(r, nuclei) + _pick(r, codas) for _ in range(ns))
            if len(w) > 1 and w not in seen:
                seen.add(w)
                scored.append((ns + r() * 1.5, w))
    scored.sort()
    return func + [w for _, w in scored]


def _sentences(
    rng: random.Random, lang: str, vocab: list[str], cum: list[float], n: int
) -> list[str]:
    r, total, out = rng.random, cum[-1], []
    for _ in range(n):
        k = 4 + int(r() * r() * 22)
        words = [vocab[bisect.bisect(cum, r() * total)] for _ in range(k)]
        if lang == "ja":
            s = "".join(w + (_pick(r, _JA_PARTICLES) if r() < 0.6 else "") for w in words)
            if r() < 0.4:
                cut = int(r() * len(s))
                s = s[:cut] + "、" + s[cut:]
            out.append(s + _pick(r, _JA_ENDS))
            continue
        x = r()
        if x < 0.05:
            words.insert(int(r() * k), str(int(r() * r() * 5000)))
        elif x < 0.07:
            words.insert(
                int(r() * k), f"https://www.{_pick(r, _DOMAINS['en'])}/{words[0]}/{words[-1]}"
            )
        elif x < 0.08:
            words.insert(int(r() * k), f"{int(r() * 900) + 10},{int(r() * 90) + 10}")
        if r() < 0.3:
            words[int(r() * (k - 1))] += ","
        s = " ".join(words)
        out.append(s[0].upper() + s[1:] + _pick(r, (".", ".", ".", ".", ".", ".", "?", "!", "...")))
    return out


def _para(text: str, width: int) -> tuple[str, str]:
    return text, "\n".join(_wrap(text, width))


def _typographic(text: str) -> str:
    return text.replace("'", "\u2019").replace("...", "\u2026").replace(", ", " \u2013 ", 1)


class _Tables(NamedTuple):
    langs: dict[str, _Lang]
    senders: list[_Sender]
    sender_w: _Weighted
    pool: bytes  # base64 of random bytes: _POOL_LINES lines of 76 characters + CRLF


_POOL_LINES = 80_000  # 4.5 MB of random payload, sliced (line-aligned) into attachments


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """Vocabularies, sentence and paragraph pools, senders: fixed, independent of the seed.

    Text is drawn from pools of pre-wrapped paragraphs and attachment payloads are slices of
    one random block: that keeps 100,000 messages well under a minute."""
    rng = random.Random(0x6D61696C)
    langs = _languages(rng)
    senders = _senders(rng)
    weights = _Weighted((k, 1.0 / (k + 1) ** 0.9) for k in range(len(senders)))  # Zipf-like
    pool = _b64(rng.getrandbits(8 * 57 * _POOL_LINES).to_bytes(57 * _POOL_LINES, "little"))
    return _Tables(langs, senders, weights, pool)


def _languages(rng: random.Random) -> dict[str, _Lang]:
    r = rng.random
    langs: dict[str, _Lang] = {}
    specs = {  # function words, pseudo-words, sentences, paragraphs, separator, wrap, scale
        "en": (_EN_FUNC, 3000, 6000, 12000, " ", 72, 1.0),
        "de": (_DE_FUNC, 1500, 2000, 4000, " ", 72, 1.0),
        "fr": (_FR_FUNC, 1200, 1500, 3000, " ", 72, 1.0),
        "ru": (_RU_FUNC, 1200, 1500, 3000, " ", 72, 0.6),
        "ja": ([], 800, 1500, 3000, "", 36, 0.4),
    }
    for code, (func, size, nsent, npara, sep, wrap, scale) in specs.items():
        vocab = _vocab(rng, code, list(func), size)
        cum = list(itertools.accumulate(1.0 / (k + 2.7) for k in range(len(vocab))))  # Zipf
        sents = _sentences(rng, code, vocab, cum, nsent)
        paras = [
            _para(sep.join([_pick(r, sents) for _ in range(1 + int(r() * 5))]), wrap)
            for _ in range(npara)
        ]
        body_enc = _Weighted((c[:2], c[2]) for c in _BODY_ENC[code])
        hdr_enc = _Weighted((c[:2], c[2]) for c in _HDR_ENC[code])
        langs[code] = _Lang(
            code, sents, paras, vocab, cum, sep, wrap, scale, body_enc, hdr_enc, _PHRASES[code]
        )
    en = langs["en"]
    langs["en8"] = en._replace(
        code="en8",
        paras=[_para(_typographic(t), en.wrap) for t, _ in en.paras[:4000]],
        body_enc=_Weighted((c[:2], c[2]) for c in _BODY_ENC["en8"]),
        hdr_enc=_Weighted((c[:2], c[2]) for c in _HDR_ENC["en8"]),
    )
    return langs


def _person(r: Callable[[], float], lang: str) -> tuple[str, str, str]:
    """Display name and romanised given and family name."""
    if lang == "ru":
        if r() < 0.5:
            (given, g), (family, f) = _pick(r, _RU_M), _pick(r, _RU_LAST)
        else:
            (given, g), (family, f) = _pick(r, _RU_F), _pick(r, _RU_LAST)
            family, f = family + "а", f + "a"
        return f"{given} {family}", g, f
    if lang == "ja":
        (family, f), (given, g) = _pick(r, _JA_LAST), _pick(r, _JA_FIRST)
        return f"{family} {given}", g, f
    given, family = (_pick(r, names.split()) for names in _NAMES[lang])
    return f"{given} {family}", _ascii(given), _ascii(family)


def _senders(rng: random.Random) -> list[_Sender]:
    r = rng.random
    share = _Weighted(_LANG_SHARE)
    senders: list[_Sender] = []
    seen: set[str] = set()

    def ip() -> str:
        return f"{_pick(r, ('192.0.2', '198.51.100', '203.0.113'))}.{1 + int(r() * 254)}"

    while len(senders) < 390:
        lang = share.pick(r)
        base = "en" if lang == "en8" else lang
        name, g, f = _person(r, base)
        style = int(r() * 5)
        local = (f"{g}.{f}", f"{g[0]}{f}", g, f"{g}_{f}", f"{g}{f[0]}{int(r() * 99)}")[style]
        domain = _pick(r, _DOMAINS["free"] if r() < 0.3 else _DOMAINS[base])
        addr = f"{local}@{domain}"
        if addr in seen:
            continue
        seen.add(addr)
        if r() < 0.15:
            name = ""  # bare address
        elif r() < 0.05:
            name = f"{f.capitalize()}, {g.capitalize()}"  # needs quoting
        company = domain.split(".")[0].replace("-", " ").title()
        prof = _Weighted(_PROFILE_SHARE[base]).pick(r)
        tz = _pick(r, _TZ[base])
        senders.append(_Sender(name, addr, lang, tz, prof, r() < 0.6, company, ip()))
    for name, addr in _BULK:
        senders.append(_Sender(name, addr, "en", 0, "bulk", True, name, ip()))
    for k in range(len(senders) - 1, 0, -1):  # Fisher-Yates with random() only
        j = int(r() * (k + 1))
        senders[k], senders[j] = senders[j], senders[k]
    return senders


# --------------------------------------------------------------------------- generator


class _Rec(NamedTuple):
    """What later messages need to know about an earlier one (threads, forwards)."""

    msgid: str
    refs: tuple[str, ...]
    base: str  # subject without reply prefix, list tag or marker
    sender: _Sender
    ts: int
    lst: int
    lang: str


@dataclass(slots=True)
class _Msg:
    """The decisions for one message, shared by the building steps of ``_Gen.message``."""

    i: int
    ts: int  # internal date: arrival at our MX
    sent: int  # Date header
    sender: _Sender
    kind: str  # plain | alt | mixed | fwd | html | dsn
    mode: str  # new | reply | fwd (message/rfc822) | ifwd (inline forward)
    parent: _Rec | None
    lst: int  # mailing list index, -1 for none
    local: str  # primary local recipient
    henc: tuple[str, str, str]  # header encoding: codec, B/Q, charset label
    msgid: str
    base: str = ""
    rcpt_to: list[str] = field(default_factory=list)


class _Gen:
    def __init__(self, count: int, seed: int, domain: str, recipients: list[str]) -> None:
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.step = _SPAN / max(count, 1)
        self.domain = domain
        self.rcpts = recipients
        self.rcpt_w = _Weighted((k, 1.0 / (k + 1)) for k in range(len(recipients)))
        self.langs, self.senders, self.sender_w, self.pool = _tables()
        self.marker = _Sender(
            "Zed Benchmark",
            FROM_ADDRESS,
            "en",
            -300,
            "thunderbird",
            True,
            "Marker Sender",
            "192.0.2.13",
        )
        self.daemon = _Sender(
            "Mail Delivery System",
            f"MAILER-DAEMON@mx.{domain}",
            "en",
            0,
            "postfix",
            False,
            "",
            "127.0.0.1",
        )
        self.hist: list[_Rec] = []

    def message(self, i: int) -> CorpusMessage:
        m = self.plan(i)
        subject = self.subject_header(m)
        to, cc = self.addressing(m)
        b = self.content(m)
        ctype, cte, body = self.mime(m, b)
        head = self.trace(m) + self.mua_headers(m, subject, to, cc, ctype, cte)
        raw = "".join(head).encode("ascii") + b"\r\n" + body
        flags = self.flags()
        refs = ()
        if m.mode == "reply" and m.parent is not None:
            refs = (*m.parent.refs, m.parent.msgid)[-12:]
        base = m.base if m.mode in ("new", "reply") else f"Fwd: {m.base}"
        if m.kind != "dsn":
            self.hist.append(_Rec(m.msgid, refs, base, m.sender, m.sent, m.lst, m.sender.lang))
        if len(self.hist) > 4000:
            del self.hist[:2000]
        return CorpusMessage(
            i, raw, datetime.fromtimestamp(m.ts, UTC), flags, self.mail_from(m), tuple(m.rcpt_to)
        )

    # ---- small helpers
    def hexs(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def b64s(self, nbytes: int) -> str:
        return base64.b64encode(
            self.rng.getrandbits(8 * nbytes).to_bytes(nbytes, "little")
        ).decode()

    def b64fold(self, nbytes: int) -> str:
        s = self.b64s(nbytes)
        return "\r\n\t".join(s[k : k + 72] for k in range(0, len(s), 72))

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.rng.normalvariate(0.0, 1.0))

    def label(self, profile: str, charset: str) -> str:
        return (
            charset.upper() if profile in ("outlook", "apple", "gmail", "thunderbird") else charset
        )

    def hdr_enc(self, sender: _Sender) -> tuple[str, str, str]:
        codec, method = self.langs[sender.lang].hdr_enc.pick(self.r)
        return codec, method, self.label(sender.profile, codec)

    def pick_sender(self) -> _Sender:
        return self.senders[self.sender_w.pick(self.r)]

    def mail_from(self, m: _Msg) -> str:
        if m.kind == "dsn":
            return ""
        return f"{_LISTS[m.lst][0]}-bounces@lists.example.net" if m.lst >= 0 else m.sender.addr

    def msgid(self, s: _Sender, ts: int) -> str:
        dom, p = s.addr.split("@")[1], s.profile
        if p == "gmail":
            return f"<CA{self.b64s(33).rstrip('=').replace('/', '_')}@mail.{dom}>"
        if p == "outlook":
            return f"<{self.hexs(40).upper()}@PR{int(self.r() * 9)}MB{self.hexs(4)}.prod.{dom}>"
        if p in ("thunderbird", "apple"):
            h = self.hexs(32)
            u = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
            return f"<{u.upper() if p == 'apple' else u}@{dom}>"
        if p in ("mutt", "postfix"):
            t = time.gmtime(ts)
            stamp = f"{t.tm_year}{t.tm_mon:02d}{t.tm_mday:02d}{t.tm_hour:02d}{t.tm_min:02d}{t.tm_sec:02d}"
            return f"<{stamp}.GA{int(self.r() * 999999):06d}@{dom}>"
        return f"<{self.hexs(32)}@{dom}>"

    def boundary(self, p: str) -> str:
        if p == "gmail":
            return "000000000000" + self.hexs(14)
        if p == "thunderbird":
            return "------------" + self.b64s(18).replace("+", "x").replace("/", "y")
        if p == "outlook":
            return f"_000_{self.hexs(40).upper()}_"
        if p == "apple":
            return (
                f"Apple-Mail={self.hexs(8).upper()}-{self.hexs(4).upper()}-{self.hexs(12).upper()}"
            )
        if p == "bulk":
            return "b1_" + self.hexs(40)
        return "=_" + self.hexs(32)

    def paras(self, lang: _Lang, target: float) -> list[tuple[str, str]]:
        r, pool, out, total = self.r, lang.paras, [], 0
        n = len(pool)
        while total < target:
            p = pool[int(r() * n)]
            out.append(p)
            total += len(p[0]) + 2
        return out

    def subject(self, lang: _Lang) -> str:
        r, vocab, cum = self.r, lang.vocab, lang.cum
        words = [vocab[bisect.bisect(cum, r() * cum[-1])] for _ in range(2 + int(r() * 7))]
        if lang.code == "ja":
            return "".join(words)
        s = " ".join(words)
        s = s[0].upper() + s[1:]
        if lang.code == "en8" and r() < 0.5:
            s = f"\u201c{s}\u201d \u2013 {words[0]}"
        return s

    # ---- step 1: who, when, what kind, which thread
    def plan(self, i: int) -> _Msg:
        r = self.r
        ts = _END - _SPAN + int((i + 0.05 + 0.9 * r()) * self.step)
        marker_from = has_marker(FROM_ADDRESS, i)
        sender = self.marker if marker_from else self.pick_sender()
        kind = _KINDS.pick(r)
        if kind == "dsn":
            kind, sender = ("plain", sender) if marker_from else ("dsn", self.daemon)
        mode, parent = "new", None
        if kind == "fwd":
            mode = "fwd"
        elif kind != "dsn" and self.hist:
            x = r()
            mode = "reply" if x < 0.40 else "ifwd" if x < 0.42 else "new"
        if mode != "new":
            if self.hist:
                parent = self.hist[-1 - int(r() ** 2.5 * len(self.hist))]
            else:
                s = self.pick_sender()
                t = ts - 86400
                parent = _Rec(
                    self.msgid(s, t), (), self.subject(self.langs[s.lang]), s, t, -1, s.lang
                )
            follow_up = mode == "reply" and r() < 0.35
            if follow_up and not marker_from and parent.sender.addr != FROM_ADDRESS:
                sender = parent.sender
        lst = -1
        if mode == "reply" and parent is not None:
            lst = parent.lst
        elif mode == "new" and kind != "dsn" and sender.profile != "bulk" and r() < 0.15:
            lst = int(r() * len(_LISTS))
        sent = ts - 2 - int(self.rng.expovariate(1 / 40)) - (int(r() * 20000) if r() < 0.02 else 0)
        local = self.rcpts[self.rcpt_w.pick(r)]
        return _Msg(
            i,
            ts,
            sent,
            sender,
            kind,
            mode,
            parent,
            lst,
            local,
            self.hdr_enc(sender),
            self.msgid(sender, sent),
            rcpt_to=[local],
        )

    # ---- step 2: subject (thread prefix, list tag, marker, encoded words)
    def subject_header(self, m: _Msg) -> str:
        r, lang = self.r, self.langs[m.sender.lang]
        if m.kind == "dsn":
            base, prefix = "Undelivered Mail Returned to Sender", ""
        elif m.parent is None:
            base, prefix = self.subject(lang), ""
        elif m.mode == "reply":
            base, prefix = m.parent.base, lang.phrases.reply.pick(r)
        else:
            base, prefix = m.parent.base, _pick(r, lang.phrases.forward)
        m.base = base
        if has_marker(SUBJECT_WORD, m.i):
            words = base.split(" ")
            words.insert(int(r() * (len(words) + 1)), SUBJECT_WORD)
            base = " ".join(words)
        tag = f"[{_LISTS[m.lst][0]}] " if m.lst >= 0 else ""
        subject = prefix + tag + base if m.mode == "reply" else tag + prefix + base
        if subject.isascii() and r() >= 0.02:
            return subject
        if prefix and r() < 0.5:
            return prefix + _encoded_words(subject[len(prefix) :], m.henc)
        return _encoded_words(subject, m.henc)

    # ---- step 3: To and Cc (and extra envelope recipients)
    def addressing(self, m: _Msg) -> tuple[str, list[str]]:
        r = self.r
        lname = m.local.split("@")[0].split(".")[0].capitalize()
        to = f"{lname} <{m.local}>" if r() < 0.6 else m.local
        cc: list[str] = []
        if m.kind == "dsn":
            return m.local, cc
        if m.lst >= 0:
            return f"{_LISTS[m.lst][0]}@lists.example.net", cc
        if m.sender.profile == "bulk" and r() < 0.3:
            return "undisclosed-recipients:;", cc
        if r() < 0.04:  # we were Bcc'd
            to = f"{_pick(r, ('team', 'all', 'info', 'office'))}@{m.sender.addr.split('@')[1]}"
        if r() < 0.2:
            for _ in range(1 + int(r() * 3)):
                s = self.pick_sender()
                cc.append(_mailbox(s.name, s.addr, self.hdr_enc(s)))
            if len(self.rcpts) > 1 and r() < 0.3:
                other = _pick(r, self.rcpts)
                if other not in m.rcpt_to:
                    m.rcpt_to.append(other)
                    cc.append(other)
        return to, cc

    # ---- step 4: the text (paragraphs, markers, quote or forwarded original)
    def content(self, m: _Msg) -> dict:
        r, s = self.r, m.sender
        lang = self.langs[s.lang]
        phr = lang.phrases
        target = min(max(self.lognormal(_BODY_MEDIAN, 0.95), 60), 60_000) * lang.scale
        first = m.local.split("@")[0].split(".")[0].capitalize() if m.lst < 0 else "all"
        b = {
            "greet": _pick(r, phr.greet).format(n=first) if r() < 0.75 else "",
            "paras": self.paras(lang, target),
            "close": _pick(r, phr.close),
            "signame": s.name.split(" ")[0] if s.name else s.addr.split("@")[0],
            "sig": [],
            "quote": None,
            "top": r() < 0.7,
            "fwd": None,
        }
        if r() < 0.4 and s.name:
            b["sig"] = [s.name, f"{s.company} | +{1 + int(r() * 98)} {int(r() * 1e9):09d}"]
        if r() < 0.02:  # an mboxo-quoted line that survived some old migration
            line = _para(">From " + _pick(r, lang.sentences), lang.wrap)
            b["paras"].insert(int(r() * len(b["paras"])), line)
        if m.kind == "dsn":
            b.update(
                greet="", close="", signame="The mail system", top=True, paras=self.dsn_text(m)
            )
        for w, period, offset in _BODY_MARKERS:
            if m.i % period == offset:
                ps = b["paras"]
                k = int(r() * len(ps))
                t = ps[k][0]
                pos = t.find(" ", int(r() * len(t)))
                ps[k] = _para(t + " " + w if pos < 0 else t[:pos] + " " + w + t[pos:], lang.wrap)
        p = m.parent
        if p is None:
            return b
        pname = p.sender.name or p.sender.addr
        if p.sender.addr != FROM_ADDRESS and r() < 0.6:
            pname = f"{pname} <{p.sender.addr}>"
        plang = self.langs[p.lang]
        if m.mode == "reply" and r() < 0.75:
            attr = phr.wrote.format(d=_date(p.ts, p.sender.tz, pad=False)[:-6], n=pname)
            nested = self.paras(plang, self.lognormal(300, 0.8)) if r() < 0.3 else []
            qparas = self.paras(plang, self.lognormal(700, 0.9) * plang.scale)
            b["quote"] = (attr, plang, qparas, nested)
        elif m.mode == "ifwd":
            fields = [
                f"From: {pname}",
                f"Date: {_date(p.ts, p.sender.tz)}",
                f"Subject: {p.base}",
                f"To: {m.local}",
            ]
            fparas = self.paras(plang, self.lognormal(900, 0.9) * plang.scale)
            b["fwd"] = (phr.banner, fields, plang, fparas)
        return b

    def dsn_text(self, m: _Msg) -> list[tuple[str, str]]:
        bad = self.bounced_rcpt(m)
        text = [
            f"This is the mail system at host mx.{self.domain}.",
            "I'm sorry to have to inform you that your message could not be delivered to one "
            "or more recipients. It's attached below.",
            f"<{bad}>: host mx.{bad.split('@')[1]}[203.0.113.{1 + m.i % 250}] said: 550 5.1.1 <{bad}>: "
            "Recipient address rejected: User unknown (in reply to RCPT TO command)",
        ]
        return [_para(t, 72) for t in text]

    def bounced_rcpt(self, m: _Msg) -> str:
        return f"{m.msgid[1:9].lower()}@{_DOMAINS['en'][m.i % len(_DOMAINS['en'])]}"

    def render_text(self, lang: _Lang, b: dict) -> str:
        lines: list[str] = []
        if b["greet"]:
            lines += [b["greet"], ""]
        for _, block in b["paras"]:
            lines += [block, ""]
        if b["close"]:
            lines += [b["close"]]
        lines.append(b["signame"])
        if b["sig"]:
            lines += ["", "-- ", *b["sig"]]
        if b["quote"]:
            attr, _, qparas, nested = b["quote"]
            ql: list[str] = [attr]
            for _, block in qparas:
                ql += ["> " + block.replace("\n", "\n> "), ">"]
            for _, block in nested:
                ql += [">> " + block.replace("\n", "\n>> "), ">>"]
            lines = [*lines, "", *ql] if b["top"] else [*ql, "", *lines]
        if b["fwd"]:
            banner, fields, _, fparas = b["fwd"]
            lines += ["", banner, *fields, ""]
            for _, block in fparas:
                lines += [block, ""]
        return "\n".join(lines) + "\n"

    def render_html(self, b: dict, charset: str, newsletter: bool, cid: str) -> str:
        e = html.escape
        out = [
            f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        ]
        if newsletter:
            out += [_NEWSLETTER_CSS, '</head><body><table width="100%" cellpadding="0"><tr><td>']
        else:
            out.append('</head><body><div dir="ltr">')
        if b["greet"]:
            out.append(f"<div>{e(b['greet'])}</div><div><br></div>")
        for k, (p, _) in enumerate(b["paras"]):
            out.append(f'<p class="c{k % 40}">{e(p)}</p>' if newsletter else f"<p>{e(p)}</p>")
        if cid:
            out.append(f'<div><img src="cid:{cid}" width="640" height="480"></div>')
        out.append(f"<div>{e(b['close'])}<br>{e(b['signame'])}</div>")
        if b["sig"]:
            out.append('<div class="signature">-- <br>' + "<br>".join(map(e, b["sig"])) + "</div>")
        if b["quote"]:
            attr, _, qparas, nested = b["quote"]
            out.append(f'<div class="gmail_quote"><div class="gmail_attr">{e(attr)}</div>')
            out.append(
                '<blockquote style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">'
            )
            out += [f"<p>{e(p)}</p>" for p, _ in qparas]
            if nested:
                out.append(
                    "<blockquote>" + "".join(f"<p>{e(p)}</p>" for p, _ in nested) + "</blockquote>"
                )
            out.append("</blockquote></div>")
        if b["fwd"]:
            banner, fields, _, fparas = b["fwd"]
            out.append(f"<div>{e(banner)}<br>" + "<br>".join(map(e, fields)) + "</div>")
            out += [f"<p>{e(p)}</p>" for p, _ in fparas]
        out.append("</td></tr></table></body></html>" if newsletter else "</div></body></html>")
        return "\n".join(out) + "\n"

    # ---- step 5: MIME structure
    def mime(self, m: _Msg, b: dict) -> tuple[str, str, bytes]:
        """Content-Type, Content-Transfer-Encoding ("" for multiparts) and body."""
        r, prof = self.r, m.sender.profile
        lang = self.langs[m.sender.lang]
        enc = lang.body_enc.pick(r)
        text = self.render_text(lang, b)
        if m.kind == "plain":
            charset, cte, body = _encode_text(text, *enc)
            return f'text/plain; charset="{self.label(prof, charset)}"', cte, body
        if m.kind == "alt":
            ctype, body = self.alternative(m, b, text, enc, "")
            return ctype, "", body
        if m.kind == "html":
            cs = _fit(text, enc[0])
            page = self.render_html(b, self.label(prof, cs), True, "")
            charset, cte, body = _encode_text(
                page, cs, "base64" if r() < 0.4 else "quoted-printable"
            )
            return f'text/html; charset="{self.label(prof, charset)}"', cte, body
        if m.kind == "dsn":
            return self.dsn(m, text)
        return self.mixed(m, b, text, enc)

    def text_part(self, text: str, subtype: str, enc: tuple[str, str], profile: str) -> bytes:
        charset, cte, body = _encode_text(text, *enc)
        ct = f'text/{subtype}; charset="{self.label(profile, charset)}"'
        return _entity([_hdr("Content-Type", ct), _hdr("Content-Transfer-Encoding", cte)], body)

    def preamble(self, prof: str) -> bytes:
        if prof in ("thunderbird", "outlook", "bulk"):
            return b"This is a multi-part message in MIME format.\r\n"
        return b""

    def alternative(
        self, m: _Msg, b: dict, text: str, enc: tuple[str, str], cid: str
    ) -> tuple[str, bytes]:
        prof = m.sender.profile
        cs = _fit(text, enc[0])
        enc = (cs, enc[1])
        page = self.render_html(b, self.label(prof, cs), prof == "bulk", cid)
        henc = (cs, "base64" if prof == "bulk" or self.r() < 0.2 else "quoted-printable")
        bd = self.boundary(prof)
        parts = [self.text_part(text, "plain", enc, prof), self.text_part(page, "html", henc, prof)]
        return f'multipart/alternative;\r\n boundary="{bd}"', _multipart(
            bd, parts, self.preamble(prof)
        )

    def mixed(self, m: _Msg, b: dict, text: str, enc: tuple[str, str]) -> tuple[str, str, bytes]:
        r, prof = self.r, m.sender.profile
        parts = []
        if m.kind == "fwd" or r() < 0.6:
            parts.append(self.text_part(text, "plain", enc, prof))
        else:
            cid = (
                f"image001.png@01DA{self.hexs(4).upper()}.{self.hexs(8).upper()}"
                if r() < 0.3
                else ""
            )
            ct, body = self.alternative(m, b, text, enc, cid)
            if cid:  # Outlook style: mixed[related[alternative, inline image], attachments]
                img, _ = self.attachment("en", 200_000, "png")
                img = img.replace(
                    b"Content-Disposition: attachment",
                    f"Content-ID: <{cid}>\r\nContent-Disposition: inline".encode(),
                    1,
                )
                bd = self.boundary(prof)
                body = _multipart(bd, [_entity([_hdr("Content-Type", ct)], body), img])
                ct = f'multipart/related;\r\n boundary="{bd}"; type="multipart/alternative"'
            parts.append(_entity([_hdr("Content-Type", ct)], body))
        if m.kind == "fwd":
            inner = self.inner_message(m.parent, m.local)  # type: ignore[arg-type]
            disp = 'attachment; filename="forwarded.eml"'
            parts.append(
                _entity(
                    [_hdr("Content-Type", "message/rfc822"), _hdr("Content-Disposition", disp)],
                    inner,
                )
            )
        else:
            budget = 3_600_000
            for _ in range(1 if r() < 0.7 else 2 if r() < 0.67 else 3 + int(r() * 3)):
                part, size = self.attachment(m.sender.lang, budget)
                parts.append(part)
                budget = max(budget - size, 200)
        bd = self.boundary(prof)
        return (
            f'multipart/mixed;\r\n boundary="{bd}"',
            "",
            _multipart(bd, parts, self.preamble(prof)),
        )

    def attachment(self, lang: str, budget: int, only: str = "") -> tuple[bytes, int]:
        r = self.r
        ext, ctype, magic, _, median = _ATTACH_W.pick(r)
        if only:
            ext, ctype, magic, _, median = next(a for a in _ATTACH if a[0] == only)
        stems = (
            _IMAGE_STEMS if ctype.startswith("image/") else _STEMS["en" if lang == "en8" else lang]
        )
        t = time.gmtime(_END - int(r() * _SPAN))
        name = (
            _pick(r, stems).format(
                n=int(r() * 99999),
                d=int(r() * 9),
                y=t.tm_year,
                W=self.subject(self.langs[lang]).split(" ")[0][:20],
                t=f"{t.tm_year}-{t.tm_mon:02d}-{t.tm_mday:02d}",
                h=f"{t.tm_hour:02d}.{t.tm_min:02d}.{t.tm_sec:02d}",
            )
            + "."
            + ext
        )
        if name.isascii():
            params = f'; name="{name}"', f'; filename="{name}"'
        else:  # RFC 2231
            v = "utf-8''" + urllib.parse.quote(name, safe="")
            params = f"; name*={v}", f"; filename*={v}"
        if magic:
            want = max(200, min(int(self.lognormal(median, _ATTACH_SIGMA)), budget, 3_500_000))
            body, size = self.payload(magic, want), want
            data, cte = b"", "base64"
        else:
            data = self.small_text_file(ext).encode("utf-8")
            size, cte = len(data), "base64" if r() < 0.5 else "quoted-printable"
            body = _b64(data) if cte == "base64" else binascii.b2a_qp(data).replace(b"\n", b"\r\n")
            ctype += "; charset=utf-8" + ("; method=PUBLISH" if ext == "ics" else "")
        disp = "attachment" + params[1] + (f"; size={size}" if r() < 0.3 else "")
        hdrs = [
            _hdr("Content-Type", ctype + params[0]),
            _hdr("Content-Disposition", disp),
            _hdr("Content-Transfer-Encoding", cte),
        ]
        return _entity(hdrs, body), size

    def payload(self, magic: str, size: int) -> bytes:
        """Base64 lines of a ``size``-byte file: its magic header, a line-aligned slice of the
        random pool, its trailer (57 raw bytes are exactly one 76-character line)."""
        head, tail = _MAGIC[magic]
        hl = -(-len(head) // 57) * 57
        head += self.rng.getrandbits(8 * (hl - len(head))).to_bytes(hl - len(head), "little")
        k = min(max((size - hl - len(tail)) // 57, 0), _POOL_LINES)
        fill = max(size - hl - 57 * k - len(tail), 0)
        tail = self.rng.getrandbits(8 * fill).to_bytes(fill, "little") + tail
        off = int(self.r() * (_POOL_LINES - k + 1)) * 78
        return _b64(head) + self.pool[off : off + 78 * k] + _b64(tail)

    def small_text_file(self, ext: str) -> str:
        r, en = self.r, self.langs["en"]
        t0 = _END - int(r() * _SPAN)
        if ext == "ics":
            t = time.gmtime(t0)
            stamp = f"{t.tm_year}{t.tm_mon:02d}{t.tm_mday:02d}T{t.tm_hour:02d}0000Z"
            return (
                "BEGIN:VCALENDAR\nPRODID:-//mailstore bench//corpus//EN\nVERSION:2.0\n"
                "METHOD:PUBLISH\nBEGIN:VEVENT\n"
                f"UID:{self.hexs(24)}@{self.domain}\nDTSTAMP:{stamp}\nDTSTART:{stamp}\n"
                f"SUMMARY:{self.subject(en)}\nLOCATION:Room {int(r() * 500)}\n"
                f"DESCRIPTION:{_pick(r, en.sentences)[:60]}\nEND:VEVENT\nEND:VCALENDAR\n"
            )
        rows = []
        for k in range(5 + int(r() * 60)):
            t = time.gmtime(t0 + k * 7)
            w = self.subject(en)
            if ext == "csv":
                rows.append(f"{k},{w.replace(' ', ',')},{int(r() * 10000) / 100}")
            else:
                level = _pick(r, ("INFO", "WARN", "DEBUG"))
                rows.append(
                    f"{t.tm_year}-{t.tm_mon:02d}-{t.tm_mday:02d} {t.tm_hour:02d}:"
                    f"{t.tm_min:02d}:{t.tm_sec:02d} {level} {w}"
                )
        return "\n".join(rows) + "\n"

    def inner_message(self, parent: _Rec, to: str) -> bytes:
        """The forwarded original for a message/rfc822 part: 7bit clean, no markers."""
        s = parent.sender if parent.sender.addr != FROM_ADDRESS else self.senders[0]
        lang = self.langs[s.lang]
        b = {
            "greet": "",
            "paras": self.paras(lang, self.lognormal(900, 0.8) * lang.scale),
            "close": _pick(self.r, lang.phrases.close),
            "signame": s.name or s.addr.split("@")[0],
            "sig": [],
            "quote": None,
            "top": True,
            "fwd": None,
        }
        charset, cte = lang.body_enc.pick(self.r)
        enc = self.hdr_enc(s)
        subject = parent.base if parent.base.isascii() else _encoded_words(parent.base, enc)
        received = f"from [10.{int(self.r() * 255)}.0.7] by smtp.{s.addr.split('@')[1]}; "
        hdrs = [
            _hdr("Received", received + _date(parent.ts - 3, s.tz)),
            _hdr("From", _mailbox(s.name, s.addr, enc)),
            _hdr("To", to),
            _hdr("Subject", subject),
            _hdr("Date", _date(parent.ts, s.tz)),
            _hdr("Message-ID", parent.msgid),
            _hdr("MIME-Version", "1.0"),
        ]
        enc2 = (charset, "quoted-printable" if cte == "8bit" else cte)
        part = self.text_part(self.render_text(lang, b), "plain", enc2, s.profile)
        return "".join(hdrs).encode("ascii") + part

    def dsn(self, m: _Msg, text: str) -> tuple[str, str, bytes]:
        """A Postfix-style bounce: multipart/report (RFC 3462/3464)."""
        bad = self.bounced_rcpt(m)
        arrival = _date(m.ts - 60)
        orig = (
            _hdr("From", m.local)
            + _hdr("To", bad)
            + _hdr("Subject", self.subject(self.langs["en"]))
            + _hdr("Date", arrival)
            + _hdr("Message-ID", f"<{self.hexs(24)}@{self.domain}>")
        )
        status = (
            f"Reporting-MTA: dns; mx.{self.domain}\r\nX-Postfix-Queue-ID: {self.hexs(10).upper()}\r\n"
            f"Arrival-Date: {arrival}\r\n\r\nFinal-Recipient: rfc822; {bad}\r\n"
            f"Original-Recipient: rfc822;{bad}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            f"Remote-MTA: dns; mx.{bad.split('@')[1]}\r\nDiagnostic-Code: smtp; 550 5.1.1 "
            f"<{bad}>: Recipient address rejected:\r\n    User unknown\r\n"
        )
        bd = self.boundary("mutt")
        parts = [
            self.text_part(text, "plain", ("us-ascii", "7bit"), "mutt"),
            _entity(
                [
                    _hdr("Content-Description", "Delivery report"),
                    _hdr("Content-Type", "message/delivery-status"),
                ],
                status.encode("ascii"),
            ),
            _entity(
                [
                    _hdr("Content-Description", "Undelivered Message Headers"),
                    _hdr("Content-Type", "text/rfc822-headers"),
                ],
                orig.encode("ascii"),
            ),
        ]
        body = _multipart(bd, parts, b"This is a MIME-encapsulated message.\r\n")
        return f'multipart/report; report-type=delivery-status;\r\n boundary="{bd}"', "", body

    # ---- step 6: the author's headers, in the order the sender's mail program writes them
    def mua_headers(
        self, m: _Msg, subject: str, to: str, cc: list[str], ctype: str, cte: str
    ) -> list[str]:
        s, prof = m.sender, m.sender.profile
        h: dict[str, str] = {}
        if m.kind == "dsn":
            h["From"] = f"{s.addr} ({s.name})"
            h["Auto-Submitted"] = "auto-replied"
        else:
            h["From"] = _mailbox(s.name, s.addr, m.henc)
        h["Date"] = _date(m.sent, s.tz, pad=prof != "apple")
        h["Subject"] = subject
        h["To"] = to
        if cc:
            h["Cc"] = ", ".join(cc)
        h["Message-ID"] = m.msgid
        if m.mode == "reply" and m.parent is not None:
            h["In-Reply-To"] = m.parent.msgid
            h["References"] = " ".join((*m.parent.refs, m.parent.msgid)[-12:])
        h["MIME-Version"] = (
            "1.0 (Mac OS X Mail 16.0 \\(3774.300.61.1.2\\))" if prof == "apple" else "1.0"
        )
        h["Content-Type"] = ctype
        if cte:
            h["Content-Transfer-Encoding"] = cte
        if prof in _AGENT:
            h[_AGENT[prof][0]] = _AGENT[prof][1]
        if prof == "outlook":
            h["Thread-Topic"] = m.base if m.base.isascii() else _encoded_words(m.base, m.henc)
            h["Thread-Index"] = self.b64s(22)
            h["Accept-Language"] = "en-US"
            if m.kind in ("mixed", "fwd"):
                h["X-MS-Has-Attach"] = "yes"
        if prof in ("thunderbird", "outlook") and s.lang != "en":
            h["Content-Language"] = _CONTENT_LANGUAGE[s.lang]
        if prof == "roundcube":
            h["X-Sender"] = s.addr
        if prof == "bulk":
            dom = s.addr.split("@")[1]
            h["Reply-To"] = f"support@{dom}"
            h["List-Unsubscribe"] = f"<https://{dom}/unsubscribe/{self.hexs(16)}>"
            h["Precedence"] = "bulk"
        if self.r() < 0.01:
            h["X-Priority"] = "1 (Highest)"
        folded = {k.lower(): _hdr(k, v) for k, v in h.items()}
        lines = []
        for name in _ORDER[prof].split():
            line = folded.pop(name.lower(), None)
            if line is not None:
                lines.append(name + line[line.index(":") :])
        lines += folded.values()
        if prof == "outlook":
            lines += self.exchange_headers(m)
        return lines

    def exchange_headers(self, m: _Msg) -> list[str]:
        """The X-MS-* block an Exchange Online sender adds (a few KB of opaque base64)."""
        dom, h = m.sender.addr.split("@")[1], self.hexs(32)
        uuid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        host = f"PR{int(self.r() * 9)}MB{self.hexs(4).upper()}"
        return [
            _hdr("x-ms-publictraffictype", "Email"),
            _hdr("x-ms-traffictypediagnostic", f"{host}:EE_|{host}:EE_"),
            _hdr("x-ms-office365-filtering-correlation-id", uuid),
            _hdr("x-microsoft-antispam", "BCL:0;ARA:13230031|376005|1800799015|366007;"),
            _hdr("x-microsoft-antispam-message-info", self.b64fold(700)),
            _hdr(
                "x-forefront-antispam-report",
                f"CIP:255.255.255.255;CTRY:;LANG:{_CONTENT_LANGUAGE.get(m.sender.lang, 'en')};SCL:1;"
                f"SRV:;IPV:NLI;SFV:NSPM;H:{host}.prod.{dom};PTR:;CAT:NONE;SFS:(13230031)(376005);"
                "DIR:OUT;SFP:1102;",
            ),
            _hdr("x-ms-exchange-antispam-messagedata-chunkcount", "1"),
            _hdr("x-ms-exchange-antispam-messagedata-0", self.b64fold(900)),
            _hdr("X-OriginatorOrg", dom),
            _hdr("X-MS-Exchange-CrossTenant-originalarrivaltime", _date(m.sent)),
            _hdr("X-MS-Exchange-CrossTenant-fromentityheader", "Hosted"),
            _hdr("X-MS-Exchange-CrossTenant-id", f"{self.hexs(8)}-{uuid[9:]}"),
            _hdr("X-MS-Exchange-CrossTenant-mailboxtype", "HOSTED"),
            _hdr("X-MS-Exchange-CrossTenant-userprincipalname", self.b64s(60)),
            _hdr("X-MS-Exchange-Transport-CrossTenantHeadersStamped", host),
        ]

    # ---- step 7: trace headers added in transit (newest first)
    def trace(self, m: _Msg) -> list[str]:
        mail_from = self.mail_from(m)
        out = [_hdr("Return-Path", f"<{mail_from}>")]
        if m.kind == "dsn":  # made by our own MX
            qid = self.hexs(16).upper()
            return [
                *out,
                _hdr("Received", f"by mx.{self.domain} (mailstore) id {qid};\r\n\t{_date(m.ts)}"),
            ]
        out_received, relay_ip = self.received_chain(m)
        out += out_received
        out += self.filter_results(m, mail_from, relay_ip)
        if m.lst >= 0:
            out += self.list_headers(m.lst)
        if m.sender.dkim:
            out += self.signatures(m)
        return out

    def received(self, frm: str, by: str, proto: str, rcpt: str, ts: int, tz: int = 0) -> str:
        v = f"from {frm}\r\n\tby {by} with {proto} id {self.hexs(10).upper()}"
        return _hdr(
            "Received", v + (f"\r\n\tfor <{rcpt}>" if rcpt else "") + f";\r\n\t{_date(ts, tz)}"
        )

    def received_chain(self, m: _Msg) -> tuple[list[str], str]:
        """Our MX's Received field, then the list server's and the sender's relays'."""
        r, s = self.r, m.sender
        sdom = s.addr.split("@")[1]
        if m.lst >= 0:
            relay, ip = "lists.example.net", _LIST_IP
        else:
            relay, ip = f"mail-{self.hexs(4)}.{sdom}", s.ip
        hop = m.ts
        out = [
            self.received(
                f"{relay} ({relay} [{ip}])", f"mx.{self.domain} (mailstore)", "ESMTPS", m.local, hop
            )
        ]
        if m.lst >= 0:
            hop -= 1 + int(r() * 30)
            rcpt = f"{_LISTS[m.lst][0]}@lists.example.net"
            out.append(
                self.received(
                    f"smtp.{sdom} ([{s.ip}])", "lists.example.net (Postfix)", "ESMTPS", rcpt, hop
                )
            )
        for _ in range(int(r() * 3)):
            hop -= 1 + int(r() * 5)
            internal = f"10.{int(r() * 255)}.{int(r() * 255)}.{1 + int(r() * 254)}"
            frm, by = (
                f"smtp-{self.hexs(3)}.{sdom} ({internal})",
                f"relay-{self.hexs(3)}.{sdom} (Postfix)",
            )
            out.append(self.received(frm, by, "ESMTP", "", hop, s.tz))
        return out, ip

    def filter_results(self, m: _Msg, mail_from: str, ip: str) -> list[str]:
        r, d, sdom = self.r, self.domain, m.sender.addr.split("@")[1]
        out = []
        if r() < 0.6:
            dkim = "pass" if m.sender.dkim else "none"
            out.append(
                _hdr(
                    "Authentication-Results",
                    (
                        f"mx.{d};\r\n\tdkim={dkim} header.d={sdom};\r\n\tspf=pass (mx.{d}: domain of "
                        f"{mail_from} designates {ip} as permitted sender) smtp.mailfrom={mail_from};\r\n"
                        f"\tdmarc=pass header.from={sdom}"
                    ),
                )
            )
        if r() < 0.3:
            score = round(r() * 6 - 2, 1)
            out.append(
                _hdr(
                    "X-Spam-Status",
                    (
                        f"No, score={score} required=5.0 tests=BAYES_00,DKIM_SIGNED,\r\n"
                        "\tDKIM_VALID,SPF_PASS autolearn=ham version=3.4.6"
                    ),
                )
            )
        return out

    def list_headers(self, lst: int) -> list[str]:
        """RFC 2369/2919 fields as Mailman adds them."""
        name, desc = _LISTS[lst]
        ld = "lists.example.net"
        return [
            _hdr("List-Id", f"{desc} <{name}.{ld}>"),
            _hdr(
                "List-Unsubscribe",
                f"<mailto:{name}-leave@{ld}>, <https://{ld}/mailman/options/{name}>",
            ),
            _hdr("List-Archive", f"<https://{ld}/archives/{name}>"),
            _hdr("List-Post", f"<mailto:{name}@{ld}>"),
            _hdr("List-Help", f"<mailto:{name}-request@{ld}?subject=help>"),
            _hdr("Precedence", "list"),
            _hdr("Sender", f'"{name}" <{name}-bounces@{ld}>'),
        ]

    def signatures(self, m: _Msg) -> list[str]:
        s = m.sender
        out = [self.dkim(s.addr.split("@")[1], m.sent, "DKIM-Signature")]
        if s.profile == "gmail":
            received = f"by 2002:a05:6402:{self.hexs(4)}:b0:{self.hexs(3)}:{self.hexs(4)} with SMTP"
            out += [
                self.dkim("1e100.example", m.sent, "X-Google-DKIM-Signature"),
                _hdr("X-Gm-Message-State", "AOJu0Y" + self.b64s(60)),
                _hdr("X-Google-Smtp-Source", "AGHT+I" + self.b64s(66)),
                _hdr("X-Received", f"{received} id {self.hexs(12)};\r\n\t{_date(m.sent, s.tz)}"),
            ]
        return out

    def dkim(self, d: str, t: int, name: str) -> str:
        sel = _pick(self.r, ("s1", "google", "selector1", "2023a"))
        sig = self.b64s(256)
        return _hdr(
            name,
            (
                f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={d};\r\n\ts={sel}; t={t};\r\n"
                f"\th=from:to:subject:date:message-id:mime-version:content-type;\r\n"
                f"\tbh={self.b64s(32)};\r\n\tb="
                + "\r\n\t ".join(sig[k : k + 70] for k in range(0, len(sig), 70))
            ),
        )

    # ---- step 8: IMAP flags
    def flags(self) -> frozenset[str]:
        r = self.r
        answered = r() < 0.10
        flags = {"\\Seen"} if answered or r() < 0.70 else set()
        if answered:
            flags.add("\\Answered")
        for flag, p in _FLAG_ODDS:
            if r() < p:
                flags.add(flag)
        return frozenset(flags)


def generate(
    count: int, seed: int = 1, *, domain: str = "example.org", recipients: list[str] | None = None
) -> Iterator[CorpusMessage]:
    """Yield ``count`` messages, deterministically for a given seed (see module docstring)."""
    rcpts = list(recipients) if recipients is not None else [f"user@{domain}"]
    if not rcpts:
        raise ValueError("recipients must not be empty")
    gen = _Gen(count, seed, domain, rcpts)
    for i in range(count):
        yield gen.message(i)


# --------------------------------------------------------------------------- writers

_FROM_LINE = re.compile(rb"^(>*From )", re.M)


def write_mbox(path: str | os.PathLike[str], messages: Iterable[CorpusMessage]) -> None:
    """mboxrd: a From_ line with the envelope sender and internal date, LF line ends, and
    every line matching ``^>*From `` quoted with one more ``>``."""
    with open(path, "wb") as f:
        for m in messages:
            ts = int(m.internal_date.timestamp())
            f.write(f"From {m.mail_from or 'MAILER-DAEMON'} {_asctime(ts)}\n".encode())
            data = _FROM_LINE.sub(rb">\1", m.raw.replace(b"\r\n", b"\n"))
            f.write(data if data.endswith(b"\n") else data + b"\n")
            f.write(b"\n")


def write_maildir(path: str | os.PathLike[str], messages: Iterable[CorpusMessage]) -> None:
    """Maildir: flagged or seen messages in cur/ with ":2,<DFPRST>" info (keywords as
    Dovecot's lowercase letters, listed in dovecot-keywords), a third of the flagless ones in
    new/; file mtime = internal date. Files keep the CRLF bytes of ``raw``."""
    root = Path(path)
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    kwfile = root / "dovecot-keywords"
    keywords: dict[str, int] = {}
    if kwfile.exists():
        for line in kwfile.read_text().splitlines():
            num, _, name = line.partition(" ")
            keywords[name] = int(num)
    taken = {n.split(":")[0] for sub in ("cur", "new") for n in os.listdir(root / sub)}
    for m in messages:
        ts = m.internal_date.timestamp()
        kws = sorted(f for f in m.flags if f not in _MAILDIR_FLAGS)
        for k in kws:
            if k not in keywords and len(keywords) < 26:
                keywords[k] = max(keywords.values(), default=-1) + 1
        letters = sorted(
            [_MAILDIR_FLAGS[f] for f in m.flags if f in _MAILDIR_FLAGS]
            + [chr(97 + keywords[k]) for k in kws if k in keywords]
        )
        base, n = f"{int(ts)}.M{m.index}P0.corpus", 0
        while f"{base},S={len(m.raw)}" in taken:
            n += 1
            base = f"{int(ts)}.M{m.index}P{n}.corpus"
        base += f",S={len(m.raw)}"
        taken.add(base)
        tmp = root / "tmp" / base
        tmp.write_bytes(m.raw)
        dest = (
            root / "new" / base
            if not m.flags and m.index % 3 == 0
            else root / "cur" / (base + ":2," + "".join(letters))
        )
        os.replace(tmp, dest)
        os.utime(dest, (ts, ts))
    if keywords:
        kwfile.write_text(
            "".join(f"{v} {k}\n" for k, v in sorted(keywords.items(), key=lambda kv: kv[1]))
        )


def write_eml_dir(path: str | os.PathLike[str], messages: Iterable[CorpusMessage]) -> None:
    """One ``NNNNNNN.eml`` file per message (raw CRLF bytes), mtime = internal date."""
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    for m in messages:
        p = root / f"{m.index:07d}.eml"
        p.write_bytes(m.raw)
        ts = m.internal_date.timestamp()
        os.utime(p, (ts, ts))


_WRITERS = {"mbox": write_mbox, "maildir": write_maildir, "eml-dir": write_eml_dir}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.corpus", description="Write a deterministic email corpus."
    )
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=sorted(_WRITERS), required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--domain", default="example.org")
    ap.add_argument("--recipient", action="append", help="envelope/To address (repeatable)")
    args = ap.parse_args(argv)
    stats = [0, 0]

    def counted() -> Iterator[CorpusMessage]:
        for m in generate(args.count, args.seed, domain=args.domain, recipients=args.recipient):
            stats[0] += 1
            stats[1] += len(m.raw)
            yield m

    t0 = time.perf_counter()
    _WRITERS[args.format](args.out, counted())
    print(
        f"{stats[0]} messages, {stats[1] / 1e6:.1f} MB written to {args.out} "
        f"({args.format}) in {time.perf_counter() - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
