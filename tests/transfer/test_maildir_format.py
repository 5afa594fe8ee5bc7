"""Maildir reading and writing on their own: folders, names, flags, dovecot files, errors."""

from __future__ import annotations

import mailbox
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailstore.transfer.maildir import (
    Folder,
    MaildirReader,
    MaildirWriter,
    find_folders,
    read_uidlist,
    split_name,
)
from mailstore.transfer.names import (
    mailbox_to_maildirpp,
    maildirpp_to_mailbox,
    mutf7_decode,
    mutf7_encode,
)
from mailstore.transfer.source import TransferError
from mailstore.transfer.tree import find_accounts

DATE = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def make(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


def put(folder: Path, sub: str, name: str, raw: bytes, mtime: float = 1_700_000_000) -> Path:
    path = folder / sub / name
    path.write_bytes(raw)
    os.utime(path, (mtime, mtime))
    return path


@pytest.mark.parametrize(
    ("name", "mailbox_name"),
    [
        (".Sent", "Sent"),
        (".Lists.python", "Lists/python"),
        (".Entw&APw-rfe", "Entwürfe"),
        (".INBOX.sub", "INBOX/sub"),
        (".a&AC4-b", "a.b"),
    ],
)
def test_maildirpp_names(name, mailbox_name):
    assert maildirpp_to_mailbox(name) == mailbox_name
    assert maildirpp_to_mailbox(mailbox_to_maildirpp(mailbox_name)) == mailbox_name


def test_mutf7_matches_rfc_3501_example():
    assert mutf7_encode("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert mutf7_decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-") == "~peter/mail/台北/日本語"
    assert mutf7_decode("&bad") == "&bad"


def test_find_folders_maildirpp_and_fs_layout(tmp_path):
    root = make(tmp_path / "Maildir")
    make(root / ".Sent")
    make(root / ".Lists.python")
    make(root / "Archive" / "2023")  # LAYOUT=fs
    (root / ".Trash").mkdir()  # no cur/new: not a folder
    (root / "courierimapkeywords").mkdir()
    names = [f.mailbox for f in find_folders(root)]
    assert names == ["Archive/2023", "INBOX", "Lists/python", "Sent"]


def test_split_name():
    assert split_name("1700.M1P2.host,S=10:2,FS") == ("1700.M1P2.host,S=10", "FS")
    assert split_name("1700.M1P2.host;2,a") == ("1700.M1P2.host", "a")
    assert split_name("1700.M1P2.host") == ("1700.M1P2.host", None)


def test_reader_flags_keywords_uids_and_order(tmp_path):
    root = make(tmp_path / "Maildir")
    (root / "dovecot-keywords").write_text("0 $Junk\n1 work\n")
    (root / "dovecot-uidlist").write_text(
        "3 V1234567 N40 G0123456789abcdef\n12 :200.M2P1.host,S=15\n7 W20 :100.M1P1.host\n"
    )
    put(root, "cur", "100.M1P1.host:2,FSa", b"Subject: a\n\nx\n", 300)
    put(root, "cur", "200.M2P1.host,S=15:2,RTb", b"Subject: b\n\nxy\n", 200)
    put(root, "new", "300.M3P1.host", b"Subject: c\n\nz\n", 100)
    reader = MaildirReader(Folder("INBOX", root))
    got = list(reader)
    assert (reader.uidvalidity, reader.uidnext) == (1234567, 40)
    assert [m.uid for m in got] == [7, 12, None]
    assert [set(m.flags) for m in got] == [
        {"\\Flagged", "\\Seen", "$Junk"},
        {"\\Answered", "\\Deleted", "work"},
        set(),
    ]
    assert got[0].internal_date == datetime.fromtimestamp(300, UTC)
    assert reader.size == sum(len(m.raw) for m in got)
    by_name = MaildirReader(Folder("INBOX", root), date_from="filename")
    assert [m.internal_date.timestamp() for m in by_name][2] == 100  # "300" is too short a stamp


def test_uidlist_version_1(tmp_path):
    (tmp_path / "dovecot-uidlist").write_text("1 1111 5\n3 1700000000.M1P1.host:2,S\n")
    uidlist = read_uidlist(tmp_path)
    assert uidlist is not None
    assert (uidlist.uidvalidity, uidlist.uidnext) == (1111, 5)
    assert uidlist.uids == {"1700000000.M1P1.host": 3}


def test_truncated_file_is_named(tmp_path):
    root = make(tmp_path / "Maildir")
    path = put(root, "cur", "1.M1P1.host,S=500:2,S", b"Subject: short\n\n")
    with pytest.raises(TransferError, match="truncated") as info:
        list(MaildirReader(Folder("INBOX", root)))
    assert info.value.path == path and info.value.offset == 16


def test_writer_output_is_read_by_python_mailbox(tmp_path):
    root = tmp_path / "out"
    writer = MaildirWriter(root, "Lists/python", 99, 5)
    writer.write(b"Subject: a\r\n\r\nbody\r\n", ("\\Seen", "\\Flagged", "$Junk"), DATE, 3)
    writer.write(b"Subject: b\r\n\r\nbody\r\n", ("$Forwarded", "\\Answered"), DATE, 4)
    writer.finish()
    md = mailbox.Maildir(str(root), create=False)
    assert md.list_folders() == ["Lists.python"]
    folder = md.get_folder("Lists.python")
    flags = sorted(m.get_flags() for m in folder)
    assert flags == ["FSa", "PR"]
    assert (root / ".Lists.python" / "dovecot-keywords").read_text() == "0 $Junk\n"
    uidlist = read_uidlist(root / ".Lists.python")
    assert uidlist is not None and uidlist.uidvalidity == 99
    assert sorted(uidlist.uids.values()) == [3, 4]
    assert all(m.get_date() == DATE.timestamp() for m in folder)


def test_tree_layouts(tmp_path):
    make(tmp_path / "home" / "alice" / "Maildir")
    make(tmp_path / "home" / "Bob")  # the user folder is the Maildir
    (tmp_path / "home" / "carol").mkdir()  # nothing
    accounts, skipped = find_accounts(tmp_path / "home", "example.org")
    assert [a.address for a in accounts] == ["bob@example.org", "alice@example.org"] or [
        a.address for a in accounts
    ] == ["alice@example.org", "bob@example.org"]
    assert len(skipped) == 1
    make(tmp_path / "vmail" / "example.org" / "dave")
    make(tmp_path / "vmail" / "other.net" / "erin")
    accounts, _ = find_accounts(tmp_path / "vmail", "example.org")
    assert [a.address for a in accounts] == ["dave@example.org"]
