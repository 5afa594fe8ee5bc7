"""bench.corpus: deterministic, parseable, realistic, with exact marker-word counts."""

from __future__ import annotations

import email
import email.message
import email.policy
import hashlib
import itertools
import mailbox
import os
import re
import statistics
from collections import Counter
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import NamedTuple

import pytest

from bench.corpus import (
    FROM_ADDRESS,
    MARKERS,
    SUBJECT_WORD,
    WORDS_0_1,
    WORDS_1,
    WORDS_10,
    CorpusMessage,
    expected_hits,
    generate,
    has_marker,
    main,
    write_eml_dir,
    write_maildir,
    write_mbox,
)

N = 2000
BODY_WORDS = (*WORDS_0_1, *WORDS_1, *WORDS_10)
# sha256 over index, internal date, flags and raw bytes of generate(50, seed=1). If a change to
# the generator is intended, update it (and say so: benchmark numbers are not comparable).
PINNED_50 = "b38de97d8bd0668e0081af9629888e67dc63a90469b45866570d9027ed087c06"
MAILDIR_LETTERS = {
    "\\Draft": "D",
    "\\Flagged": "F",
    "$Forwarded": "P",
    "\\Answered": "R",
    "\\Seen": "S",
    "\\Deleted": "T",
}


def digest(messages: list[CorpusMessage]) -> str:
    h = hashlib.sha256()
    for m in messages:
        h.update(f"{m.index} {m.internal_date.isoformat()} {sorted(m.flags)}\n".encode())
        h.update(m.raw)
    return h.hexdigest()


@pytest.fixture(scope="module")
def corpus() -> list[CorpusMessage]:
    return list(generate(N, seed=1))


class Parsed(NamedTuple):
    """One message parsed once with policy.default (header parsing there is slow)."""

    msg: email.message.EmailMessage
    parts: list[tuple[str, str, str]]  # (content type, charset, transfer encoding) per part
    body: str  # all decoded text/* content (also inside message/rfc822), lower case
    headers: str  # all decoded top-level header values, lower case
    defects: list[tuple[str, object]]


def parse(raw: bytes) -> Parsed:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects: list[tuple[str, object]] = []
    parts, texts = [], []
    for part in msg.walk():
        defects += [("part", d) for d in part.defects]
        ctype, charset = part.get_content_type(), part.get_content_charset("us-ascii")
        parts.append((ctype, charset, str(part.get("Content-Transfer-Encoding", ""))))
        if ctype.startswith("text/"):  # undo base64/QP, then decode strictly
            texts.append(part.get_payload(decode=True).decode(charset))
    values = []
    for name, value in msg.items():
        defects += [(name, d) for d in value.defects]
        values.append(str(value))
    return Parsed(msg, parts, "\n".join(texts).lower(), "\n".join(values).lower(), defects)


@pytest.fixture(scope="module")
def parsed(corpus: list[CorpusMessage]) -> list[Parsed]:
    return [parse(m.raw) for m in corpus]


# ---- determinism


def test_same_seed_same_bytes(corpus: list[CorpusMessage]) -> None:
    again = list(generate(N, seed=1))
    assert [m.raw for m in again] == [m.raw for m in corpus]
    assert digest(again) == digest(corpus)
    assert [(m.flags, m.internal_date, m.mail_from, m.rcpt_to) for m in again] == [
        (m.flags, m.internal_date, m.mail_from, m.rcpt_to) for m in corpus
    ]


def test_pinned_digest_of_first_50() -> None:
    assert digest(list(generate(50, seed=1))) == PINNED_50


def test_other_seed_other_corpus(corpus: list[CorpusMessage]) -> None:
    other = list(generate(20, seed=2))
    assert all(a.raw != b.raw for a, b in zip(other, corpus, strict=False))


def test_generate_is_lazy() -> None:
    it = generate(10**9)
    assert next(it).index == 0
    assert next(it).index == 1


def test_content_does_not_depend_on_count_except_dates() -> None:
    def undated(m: CorpusMessage) -> bytes:
        return re.sub(rb"\d\d:\d\d:\d\d|\d{10}|\w{3}, \d?\d \w{3} \d{4}", b"", m.raw)

    short, long = list(generate(30)), list(generate(60))[:30]
    assert [m.flags for m in short] == [m.flags for m in long]
    assert sum(undated(a) == undated(b) for a, b in zip(short, long, strict=True)) >= 20


# ---- well-formed


def test_every_message_parses_without_defects(parsed: list[Parsed]) -> None:
    for i, p in enumerate(parsed):
        assert not p.defects, (i, p.defects)
        assert p.msg["From"] and p.msg["Date"] and p.msg["Message-ID"] and p.msg["Subject"]


def test_crlf_and_line_length(corpus: list[CorpusMessage]) -> None:
    for m in corpus:
        assert m.raw.endswith(b"\r\n")
        assert m.raw.count(b"\n") == m.raw.count(b"\r\n"), m.index
        assert m.raw.count(b"\r") == m.raw.count(b"\r\n"), m.index
        assert max(len(line) for line in m.raw.split(b"\r\n")) <= 998, m.index
        head = m.raw.split(b"\r\n\r\n", 1)[0]
        assert head.isascii(), m.index


def test_message_ids_unique_and_threads_resolve(parsed: list[Parsed]) -> None:
    ids = [str(p.msg["Message-ID"]) for p in parsed]
    assert len(set(ids)) == len(ids)
    seen: set[str] = set()
    replies = 0
    for msg in (p.msg for p in parsed):
        if msg["In-Reply-To"]:
            replies += 1
            assert str(msg["In-Reply-To"]) in seen
            refs = str(msg["References"]).split()
            assert refs[-1] == str(msg["In-Reply-To"])
            assert all(r in seen for r in refs)
        seen.add(str(msg["Message-ID"]))
    assert 0.33 < replies / len(parsed) < 0.45


def test_internal_dates(corpus: list[CorpusMessage], parsed: list[Parsed]) -> None:
    dates = [m.internal_date for m in corpus]
    assert all(d.tzinfo is UTC for d in dates)
    assert all(a < b for a, b in itertools.pairwise(dates))
    assert timedelta(days=1000) < dates[-1] - dates[0] < timedelta(days=1100)
    offsets = set()
    for m, p in zip(corpus, parsed, strict=True):
        sent = parsedate_to_datetime(str(p.msg["Date"]))
        offsets.add(sent.utcoffset())
        assert timedelta(0) < m.internal_date - sent < timedelta(hours=7)
    assert len(offsets) >= 6


# ---- realistic


def test_mime_mix(parsed: list[Parsed]) -> None:
    types = Counter(p.parts[0][0] for p in parsed)
    share = {t: c / len(parsed) for t, c in types.items()}
    assert 0.50 < share["text/plain"] < 0.60
    assert 0.21 < share["multipart/alternative"] < 0.29
    assert 0.13 < share["multipart/mixed"] < 0.21
    assert share["text/html"] > 0.01 and share["multipart/report"] > 0
    inner = Counter(part[0] for p in parsed for part in p.parts)
    for t in (
        "message/rfc822",
        "multipart/related",
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/zip",
        "text/calendar",
        "message/delivery-status",
    ):
        assert inner[t] > 0, t


def test_charsets_and_encodings(corpus: list[CorpusMessage], parsed: list[Parsed]) -> None:
    charsets = {part[1] for p in parsed for part in p.parts}
    for cs in (
        "us-ascii",
        "utf-8",
        "iso-8859-1",
        "iso-8859-15",
        "windows-1252",
        "koi8-r",
        "shift_jis",
        "iso-2022-jp",
        "windows-1251",
    ):
        assert cs in charsets, cs
    ctes = {part[2] for p in parsed for part in p.parts}
    assert {"7bit", "8bit", "quoted-printable", "base64"} <= ctes
    heads = b"".join(m.raw.split(b"\r\n\r\n", 1)[0] for m in corpus).lower()
    for ew in (
        b"=?utf-8?b?",
        b"=?utf-8?q?",
        b"=?iso-8859-1?q?",
        b"=?iso-8859-15?q?",
        b"=?koi8-r?b?",
        b"=?iso-2022-jp?b?",
        b"=?shift_jis?b?",
        b"=?windows-1252?q?",
    ):
        assert ew in heads, ew
    for name in (
        b"\r\nreceived:",
        b"\r\ndkim-signature:",
        b"\r\nlist-id:",
        b"\r\nreturn-path:",
        b"\r\nreferences:",
        b"\r\nauthentication-results:",
    ):
        assert name in b"\r\n" + heads, name
    subjects = [str(p.msg["Subject"]) for p in parsed]
    for prefix in ("Re: ", "Fwd: ", "AW: "):
        assert any(s.startswith(prefix) or f"] {prefix}" in s for s in subjects), prefix


def test_sizes(corpus: list[CorpusMessage]) -> None:
    sizes = [len(m.raw) for m in corpus]
    assert 6_000 <= statistics.median(sizes) <= 11_000
    assert 1 <= sum(s > 1_000_000 for s in sizes) <= 20
    assert max(sizes) <= 5_000_000


def test_senders_are_skewed(parsed: list[Parsed]) -> None:
    senders = Counter(p.msg["From"].addresses[0].addr_spec for p in parsed)
    assert 150 < len(senders) < 450
    top = senders.most_common(10)
    assert sum(c for _, c in top) > 0.15 * len(parsed)


def test_flags(corpus: list[CorpusMessage]) -> None:
    flags = Counter(f for m in corpus for f in m.flags)
    assert 0.65 < flags["\\Seen"] / N < 0.80
    assert 0.03 < flags["\\Flagged"] / N < 0.07
    assert 0.07 < flags["\\Answered"] / N < 0.13
    assert flags["$Junk"] > 0
    assert set(flags) <= {*MAILDIR_LETTERS, "$Junk", "$NotJunk", "$MDNSent", "$label1"}


def test_recipients() -> None:
    rcpts = ["alice@example.com", "bob@example.com", "carol@example.com"]
    msgs = list(generate(300, seed=3, domain="example.com", recipients=rcpts))
    used = Counter(r for m in msgs for r in m.rcpt_to)
    assert set(used) == set(rcpts)
    assert used["alice@example.com"] > used["carol@example.com"]
    assert any(len(m.rcpt_to) > 1 for m in msgs)
    assert all(m.raw.count(b"by mx.example.com") == 1 for m in msgs)
    assert {m.mail_from for m in msgs} >= {""} and any("@" in m.mail_from for m in msgs)
    with pytest.raises(ValueError):
        next(generate(1, recipients=[]))


# ---- markers


def test_expected_hits_formula() -> None:
    assert MARKERS[WORDS_0_1[0]] == (1000, 0)
    assert [expected_hits(WORDS_0_1[0], n) for n in (0, 1, 1000, 1001, 2000)] == [0, 1, 1, 2, 2]
    for word, (period, offset) in MARKERS.items():
        for n in (0, 7, 99, 100, 101, 999, 1000, 1001, 12345):
            assert expected_hits(word, n) == sum(i % period == offset for i in range(n))
    with pytest.raises(KeyError):
        expected_hits("nosuchword", 10)
    words = list(MARKERS)
    assert all(a == b or a not in b for a in words for b in words)


def test_body_marker_counts(parsed: list[Parsed]) -> None:
    for word in BODY_WORDS:
        hits = [i for i, p in enumerate(parsed) if word in p.body]
        assert len(hits) == expected_hits(word, N) > 0, word
        assert all(i % MARKERS[word][0] == MARKERS[word][1] for i in hits)
        assert not any(word in p.headers for p in parsed), word
    assert expected_hits(WORDS_10[0], N) == 200 and expected_hits(WORDS_1[0], N) == 20


def test_subject_and_from_marker_counts(parsed: list[Parsed]) -> None:
    subj = [i for i, p in enumerate(parsed) if SUBJECT_WORD in str(p.msg["Subject"]).lower()]
    assert len(subj) == expected_hits(SUBJECT_WORD, N) == 20
    assert all(has_marker(SUBJECT_WORD, i) for i in subj)
    assert not any(SUBJECT_WORD in p.body for p in parsed)
    frm = [i for i, p in enumerate(parsed) if p.msg["From"].addresses[0].addr_spec == FROM_ADDRESS]
    assert len(frm) == expected_hits(FROM_ADDRESS, N) == 20
    assert all(has_marker(FROM_ADDRESS, i) for i in frm)
    assert not any(FROM_ADDRESS in p.body for p in parsed)


def test_no_q_outside_markers(parsed: list[Parsed]) -> None:
    """The letter q is reserved for markers, so no marker can occur by accident."""
    for i, p in enumerate(parsed):
        text = re.sub(r"<[^>]*>", " ", p.body)  # markup (blockquote, http-equiv) is not text
        for word in BODY_WORDS:
            text = text.replace(word, "")
        assert "q" not in text, i


# ---- writers


def unquote_mboxrd(data: bytes) -> bytes:
    return re.sub(rb"(?m)^>(>*From )", rb"\1", data)


def test_mbox_roundtrip(tmp_path: Path, corpus: list[CorpusMessage]) -> None:
    sample = corpus[:400]
    assert any(re.search(rb"(?m)^From ", m.raw) for m in sample)
    assert any(re.search(rb"(?m)^>From ", m.raw) for m in sample)
    path = tmp_path / "corpus.mbox"
    write_mbox(path, sample)
    box = mailbox.mbox(path)
    try:
        keys = list(box.keys())
        assert len(keys) == len(sample)
        for key, m in zip(keys, sample, strict=True):
            got = unquote_mboxrd(box.get_bytes(key)).replace(b"\n", b"\r\n")
            assert got == m.raw, m.index
            from_line = box.get_message(key).get_from()
            assert from_line.split()[0] == (m.mail_from or "MAILER-DAEMON")
            assert from_line.endswith(str(m.internal_date.year))
    finally:
        box.close()


def test_maildir_roundtrip(tmp_path: Path, corpus: list[CorpusMessage]) -> None:
    sample = corpus[:300]
    write_maildir(tmp_path / "md", sample)
    box = mailbox.Maildir(tmp_path / "md", create=False)
    kw = dict(
        line.split(" ", 1)[::-1]
        for line in (tmp_path / "md" / "dovecot-keywords").read_text().splitlines()
    )
    by_index = {}
    for key in box.keys():
        msg = box.get_message(key)
        by_index[int(key.split(".")[1][1:].split("P")[0])] = (key, msg)
    assert sorted(by_index) == [m.index for m in sample]
    subdirs = Counter()
    for m in sample:
        key, msg = by_index[m.index]
        assert box.get_bytes(key) == m.raw
        expect = sorted(
            [MAILDIR_LETTERS[f] for f in m.flags if f in MAILDIR_LETTERS]
            + [chr(97 + int(kw[f])) for f in m.flags if f not in MAILDIR_LETTERS]
        )
        assert sorted(msg.get_flags()) == expect
        assert msg.get_date() == m.internal_date.timestamp()
        subdirs[msg.get_subdir()] += 1
        if msg.get_subdir() == "new":
            assert not m.flags
    assert subdirs["cur"] > 0 and subdirs["new"] > 0
    assert not os.listdir(tmp_path / "md" / "tmp")
    write_maildir(tmp_path / "md", sample[:5])  # a second run adds, never overwrites
    assert len(mailbox.Maildir(tmp_path / "md", create=False)) == len(sample) + 5


def test_eml_dir(tmp_path: Path, corpus: list[CorpusMessage]) -> None:
    write_eml_dir(tmp_path / "eml", corpus[:20])
    files = sorted((tmp_path / "eml").iterdir())
    assert [f.read_bytes() for f in files] == [m.raw for m in corpus[:20]]
    assert files[3].stat().st_mtime == corpus[3].internal_date.timestamp()


@pytest.mark.parametrize("fmt", ["mbox", "maildir", "eml-dir"])
def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    out = tmp_path / "out"
    assert main(["--count", "25", "--seed", "4", "--format", fmt, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("25 messages, ") and " MB" in printed
    assert out.exists()
