"""Writers (mbox, Maildir, .eml folder) and the command line."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from bench.corpus.data import _MAILDIR_FLAGS
from bench.corpus.generator import generate
from bench.corpus.markers import CorpusMessage
from bench.corpus.mime import _asctime

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
