"""The mbox reader and writer on their own (no database): variants, quoting, dates, errors."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailstore.transfer.mbox import (
    MboxFormat,
    MboxReader,
    envelope_sender,
    find_mboxes,
    from_line_date,
    mboxrd_entry,
)
from mailstore.transfer.source import TransferError
from tests.transfer.helpers import awkward_messages

DATE = datetime(2024, 2, 29, 13, 14, 15, tzinfo=UTC)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def read(path: Path, fmt: MboxFormat | None = None, chunk: int = 1 << 20) -> list:
    return list(MboxReader(path, "INBOX", fmt, chunk=chunk))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"From bob@example.org Thu Feb 29 13:14:15 2024\n", DATE),
        (b"From MAILER-DAEMON Thu Feb 29 13:14:15 2024\r\n", DATE),
        (b"From - Thu Feb 29 13:14:15 2024\n", DATE),  # Thunderbird
        (b"From bob Thu Feb 29 13:14 2024\n", DATE.replace(second=0)),
        (b"From bob Thu Feb  2 13:14:15 PST 2024\n", DATE.replace(day=2)),
        (
            b"From bob Thu Feb 29 13:14:15 2024 +0100\n",
            datetime(2024, 2, 29, 13, 14, 15, tzinfo=timezone(timedelta(hours=1))),
        ),
        (b"From bob Thu, 29 Feb 2024 13:14:15 +0000\n", DATE),
        (b"From the start of a line\n", None),
        (b"From bob Thu Feb 30 13:14:15 2024\n", None),
    ],
)
def test_from_line_dates(line, expected):
    assert from_line_date(line) == expected


def test_mboxrd_quoting_round_trips_every_level(tmp_path):
    raw = b"Subject: q\n\nFrom a\n>From b\n>>From c\n>>>From d\nFromage\n> From e\n"
    data, added = mboxrd_entry(raw, (), DATE)
    assert not added
    assert b"\n>From a\n>>From b\n>>>From c\n>>>>From d\nFromage\n> From e\n" in data
    (message,) = read(write(tmp_path / "m", data))
    assert message.raw == raw
    assert message.internal_date == DATE


def test_mboxo_unquotes_only_one_level(tmp_path):
    data = (
        b"From x Thu Feb 29 13:14:15 2024\nSubject: o\n\n>From a\n>>From b\n\n"
        b"From y Thu Feb 29 13:14:15 2024\nSubject: p\n\nbody\n"
    )
    path = write(tmp_path / "m", data)
    first, second = read(path, MboxFormat.MBOXO)
    assert first.raw == b"Subject: o\n\nFrom a\n>>From b\n"
    assert second.raw == b"Subject: p\n\nbody\n"
    rd = read(path)  # the default: mboxrd
    assert rd[0].raw == b"Subject: o\n\nFrom a\n>From b\n"


def test_content_length_variants_are_detected(tmp_path):
    body = b"From inside, not quoted\n\nFrom x Thu Feb 29 13:14:15 2024\nfake separator\n"
    cl2 = (
        b"From x Thu Feb 29 13:14:15 2024\nSubject: one\nContent-Length: %d\n\n%s\n"
        b"From y Thu Feb 29 13:14:15 2024\nSubject: two\nContent-Length: 5\n\nbody\n\n"
    ) % (len(body), body)
    path = write(tmp_path / "cl2", cl2)
    reader = MboxReader(path, "INBOX")
    first, second = list(reader)
    assert reader.format == "mboxcl2"
    assert first.raw == b"Subject: one\n\n" + body  # Content-Length is taken out
    assert second.raw == b"Subject: two\n\nbody\n"

    quoted = b">From the start\nplain\n"
    cl = (b"From x Thu Feb 29 13:14:15 2024\nSubject: one\nContent-Length: %d\n\n%s\n") % (
        len(quoted),
        quoted,
    )
    reader = MboxReader(write(tmp_path / "cl", cl), "INBOX")
    (message,) = list(reader)
    assert reader.format == "mboxcl"
    assert message.raw == b"Subject: one\n\nFrom the start\nplain\n"


def test_wrong_content_length_falls_back_to_separators(tmp_path):
    data = (
        b"From x Thu Feb 29 13:14:15 2024\nSubject: one\nContent-Length: 3\n\nlonger body\n\n"
        b"From y Thu Feb 29 13:14:15 2024\nSubject: two\n\nbody\n"
    )
    first, second = read(write(tmp_path / "m", data), MboxFormat.MBOXCL2)
    assert first.raw == b"Subject: one\n\nlonger body\n"
    assert second.raw == b"Subject: two\n\nbody\n"


def test_content_length_past_the_end_is_truncation(tmp_path):
    data = b"From x Thu Feb 29 13:14:15 2024\nSubject: one\nContent-Length: 999\n\nshort\n"
    with pytest.raises(TransferError, match=r"truncated.*Content-Length 999"):
        read(write(tmp_path / "m", data), MboxFormat.MBOXCL2)


def test_separator_needs_an_empty_line_and_a_date(tmp_path):
    data = (
        b"From x Thu Feb 29 13:14:15 2024\nSubject: one\n\nbody\n"
        b"From y Thu Feb 29 13:14:15 2024\n"  # no empty line before: body text
        b"\nFrom nobody in particular\n"  # no date: body text
        b"\nFrom z Thu Feb 29 13:14:15 2024\nSubject: two\n\nx\n"
    )
    first, second = read(write(tmp_path / "m", data))
    assert first.raw.endswith(
        b"body\nFrom y Thu Feb 29 13:14:15 2024\n\nFrom nobody in particular\n"
    )
    assert second.raw == b"Subject: two\n\nx\n"


def test_flags_from_status_fields_and_thunderbird(tmp_path):
    data = (
        b"From x Thu Feb 29 13:14:15 2024\nStatus: RO\nX-Status: AFTD\nX-Keywords: $Junk, work\n"
        b"Subject: a\n\n\n"
        b"From x Thu Feb 29 13:14:15 2024\nX-Mozilla-Status: 1005\nX-Mozilla-Status2: 00800000\n"
        b"X-Mozilla-Keys: $label2\nSubject: b\n\n\n"
    )
    first, second = read(write(tmp_path / "m", data))
    assert set(first.flags) == {
        "\\Seen",
        "\\Answered",
        "\\Flagged",
        "\\Draft",
        "\\Deleted",
        "$Junk",
        "work",
    }
    assert first.raw == b"Subject: a\n\n"
    assert set(second.flags) == {"\\Seen", "\\Flagged", "$Forwarded", "$MDNSent", "$label2"}
    assert second.raw.startswith(b"X-Mozilla-Status: 1005\n")  # kept in the message


def test_uw_imap_pseudo_message_and_uids(tmp_path):
    data = (
        b"From MAILER-DAEMON Thu Feb 29 13:14:15 2024\n"
        b"Subject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA\n"
        b"X-IMAP: 1700000000 0000000012 $Junk\n\nThis text is part of the internal format\n\n"
        b"From x Thu Feb 29 13:14:15 2024\nX-UID: 7\nSubject: a\n\nbody\n"
    )
    reader = MboxReader(write(tmp_path / "m", data), "INBOX")
    (message,) = list(reader)
    assert message.uid == 7
    assert (reader.uidvalidity, reader.uidnext) == (1700000000, 12)
    assert message.raw == b"Subject: a\n\nbody\n"
    assert reader.notes


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"Subject: not an mbox\n\nbody\n", "not an mbox"),
        (b"From x Thu Feb 29 13:14:15 2024\nSubject: a\n\nbody cut off", "truncated"),
        (b"From x Thu Feb 29 13:1", "truncated"),
    ],
)
def test_bad_files_name_file_and_offset(tmp_path, data, match):
    path = write(tmp_path / "bad", data)
    with pytest.raises(TransferError, match=match) as info:
        read(path)
    assert str(path) in str(info.value)
    assert "at byte" in str(info.value)


def test_truncated_last_message_comes_after_the_good_ones(tmp_path):
    good = b"From x Thu Feb 29 13:14:15 2024\nSubject: a\n\nbody\n\n"
    path = write(tmp_path / "m", good + b"From x Thu Feb 29 13:14:15 2024\nSubject: b\n\ncut")
    reader = iter(MboxReader(path, "INBOX"))
    assert next(reader).raw == b"Subject: a\n\nbody\n"
    with pytest.raises(TransferError) as info:
        next(reader)
    assert info.value.offset == path.stat().st_size
    assert f"from byte {len(good)}" in str(info.value)


def test_empty_file_and_unreadable_file(tmp_path):
    assert read(write(tmp_path / "empty", b"")) == []
    with pytest.raises(TransferError, match="cannot open"):
        read(tmp_path / "missing")


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_awkward_messages_round_trip_at_any_chunk_size(tmp_path, chunk):
    messages = awkward_messages()
    path = tmp_path / "m"
    expected = []
    with open(path, "wb") as f:
        for i, (raw, flags) in enumerate(messages):
            data, added = mboxrd_entry(raw, tuple(sorted(flags)), DATE + timedelta(days=i))
            f.write(data)
            expected.append((raw + b"\n" if added else raw, flags))
    got = read(path, chunk=chunk)
    assert [m.raw for m in got] == [raw for raw, _ in expected[:7]] + [
        b"From: f@example.com\r\nSubject: had mbox fields\r\n\r\nbody\r\n",
        b"Subject: no final line break\r\n\r\nbody\r\n",  # mbox cannot tell
    ]
    assert [set(m.flags) for m in got] == [set(flags) for _, flags in expected]
    assert [m.internal_date for m in got] == [DATE + timedelta(days=i) for i in range(len(got))]


def test_python_mailbox_reads_the_export(tmp_path):
    """Python's mailbox module, an independent reader, sees the messages and Status flags."""
    path = tmp_path / "m"
    messages = awkward_messages()[:4]
    with open(path, "wb") as f:
        for raw, flags in messages:
            f.write(mboxrd_entry(raw, tuple(flags), DATE)[0])
    box = mailbox.mbox(str(path), create=False)
    got = list(box)
    assert len(got) == len(messages)
    for message, (_, flags) in zip(got, messages, strict=True):
        assert ("R" in message.get_flags()) == ("\\Seen" in flags)
        assert ("F" in message.get_flags()) == ("\\Flagged" in flags)
        assert ("A" in message.get_flags()) == ("\\Answered" in flags)
        assert message.get_from().endswith("Thu Feb 29 13:14:15 2024")


def test_envelope_sender():
    assert envelope_sender(b"Return-Path: <bounce@x.org>\nFrom: a@b.c\n\n") == "bounce@x.org"
    assert envelope_sender(b"From: Alice <alice@example.com>\n\n") == "alice@example.com"
    assert envelope_sender(b"Subject: none\n\n") == "MAILER-DAEMON"


def test_find_mboxes_maps_a_folder(tmp_path):
    root = tmp_path / "mail"
    (root / "Lists.sbd").mkdir(parents=True)
    write(root / "Inbox", b"")
    write(root / "Sent.mbox", b"From x Thu Feb 29 13:14:15 2024\n\n")
    write(root / "Lists.sbd" / "python", b"")
    write(root / "Inbox.msf", b"// mork")
    write(root / "notes.txt", b"hello")
    readers, skipped = find_mboxes(root)
    assert sorted(r.mailbox for r in readers) == ["INBOX", "Lists/python", "Sent"]
    assert len(skipped) == 1 and "notes.txt" in skipped[0]
    readers, _ = find_mboxes(root, "Old")
    assert sorted(r.mailbox for r in readers) == ["Old", "Old/Lists/python", "Old/Sent"]


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from([b"From x", b">From y", b">>From z", b"", b"\r", b"text", b"From ", b"F"]),
        max_size=12,
    ),
    chunk=st.integers(1, 50),
)
def test_mboxrd_round_trip_property(tmp_path_factory, lines, chunk):
    raw = b"Subject: p\n\n" + b"".join(line + b"\n" for line in lines)
    path = tmp_path_factory.mktemp("p") / "m"
    path.write_bytes(mboxrd_entry(raw, (), DATE)[0] * 2)
    got = read(path, chunk=chunk)
    assert [m.raw for m in got] == [raw, raw]
