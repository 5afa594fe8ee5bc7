"""Two real IMAP sessions against an in-memory model (hypothesis ``RuleBasedStateMachine``).

Session A and session B both have INBOX selected on the real front end over the test
database; rules APPEND, STORE (+FLAGS/-FLAGS), EXPUNGE, UID MOVE, UID COPY and NOOP run on
either. After every step each session sends NOOP and must have learned, through untagged
``EXPUNGE`` / ``EXISTS`` / ``FETCH`` alone (RFC 3501 §7.4.1, §5.5; RFC 9051 §7), a view equal to
the model: the same UIDs in the same order with the same flags. UIDs are strictly increasing
and never reused in a mailbox (RFC 3501 §2.3.1.1); a second mailbox is checked by STATUS.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.imap.helpers import Server, Transcript, make_message

from .profile import bounded

FLAGS = ["\\Seen", "\\Flagged", "\\Deleted", "\\Answered", "$Label"]
OTHER = "Other"
_EXISTS = re.compile(rb"\* (\d+) EXISTS$")
_EXPUNGE = re.compile(rb"\* (\d+) EXPUNGE$")
_FETCH = re.compile(rb"\* (\d+) FETCH \((.*)\)$")
_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")
_UID = re.compile(rb"UID (\d+)")
_CODE = re.compile(rb"\[(APPENDUID|COPYUID) (\d+) ([\d:,]+)(?: ([\d:,]+))?\]")


def flag_set(raw: bytes) -> frozenset[str]:
    """FLAGS as a set, without \\Recent (RFC 3501 §2.3.2: session-specific, not modelled)."""
    return frozenset(f for f in raw.decode().split() if f.lower() != "\\recent")


def uid_list(text: bytes) -> list[int]:
    out: list[int] = []
    for item in text.decode().split(","):
        low, _, high = item.partition(":")
        out.extend(range(int(low), int(high or low) + 1))
    return out


class View:
    """What one session knows of INBOX, built only from the server's untagged responses."""

    def __init__(self, client: Transcript) -> None:
        self.client = client
        self.uids: list[int | None] = []
        self.flags: dict[int, frozenset[str]] = {}  # by sequence number, as last announced

    def absorb(self, lines: list[bytes]) -> None:
        for line in lines:
            if m := _EXPUNGE.match(line):
                number = int(m.group(1))
                assert 1 <= number <= len(self.uids), (line, self.uids)
                del self.uids[number - 1]
                self.flags = {}  # renumbered (RFC 3501 §7.4.1); announcements start over
            elif m := _EXISTS.match(line):
                count = int(m.group(1))
                assert count >= len(self.uids), (line, self.uids)  # EXISTS never shrinks
                self.uids += [None] * (count - len(self.uids))
            elif m := _FETCH.match(line):
                number = int(m.group(1))
                assert 1 <= number <= len(self.uids), (line, self.uids)
                if f := _FLAGS.search(m.group(2)):
                    self.flags[number] = flag_set(f.group(1))
                if u := _UID.search(m.group(2)):
                    known = self.uids[number - 1]
                    assert known in (None, int(u.group(1))), (line, self.uids)
                    self.uids[number - 1] = int(u.group(1))

    def run(self, command: str) -> list[bytes]:
        lines = self.client.command(command)
        assert lines[-1].split(b" ")[1] == b"OK", (command, lines)
        self.absorb(lines[:-1])
        return lines


class TwoSessions(RuleBasedStateMachine):
    """The machine; ``port`` is set by :func:`machine_for`."""

    port = 0

    def __init__(self) -> None:
        super().__init__()
        self.inbox: dict[int, frozenset[str]] = {}  # uid -> flags, the model of INBOX
        self.other: dict[int, frozenset[str]] = {}
        self.floor = {"INBOX": 0, OTHER: 0}  # every UID ever seen in each mailbox is below
        self.views: list[View] = []

    # -- setup -----------------------------------------------------------------------------
    @initialize()
    def connect(self) -> None:
        admin = Transcript(self.port)
        admin.login()
        admin.command(f"DELETE {OTHER}")  # a fresh mailbox each run (and a new UIDVALIDITY)
        admin.ok(f"CREATE {OTHER}")
        admin.ok("SELECT INBOX")
        admin.command("STORE 1:* +FLAGS.SILENT (\\Deleted)")
        admin.ok("EXPUNGE")
        for box in ("INBOX", OTHER):
            (status,) = [line for line in admin.ok(f"STATUS {box} (UIDNEXT)") if b"STATUS" in line]
            self.floor[box] = int(re.search(rb"UIDNEXT (\d+)", status).group(1)) - 1
        admin.ok("LOGOUT")
        admin.close()
        for _ in range(2):
            client = Transcript(self.port)
            client.login()
            view = View(client)
            view.run("SELECT INBOX")
            self.views.append(view)

    def teardown(self) -> None:
        for view in self.views:
            view.client.close()

    # -- helpers ---------------------------------------------------------------------------
    def new_uids(self, box: str, uids: list[int]) -> None:
        """UIDs handed out now: strictly above any seen in ``box``, ascending (never reused)."""
        assert uids == sorted(uids) and uids[0] > self.floor[box], (box, uids, self.floor)
        self.floor[box] = uids[-1]

    def model_uids(self) -> list[int]:
        return sorted(self.inbox)

    # -- rules -----------------------------------------------------------------------------
    @rule(
        session=st.integers(0, 1),
        to_other=st.booleans(),
        flags=st.sets(st.sampled_from(FLAGS), max_size=3),
    )
    def append(self, session: int, to_other: bool, flags: set[str]) -> None:
        box = OTHER if to_other else "INBOX"
        view = self.views[session]
        body = make_message(f"m{self.floor[box] + 1}", "model\r\n")
        tag = view.client.tag()
        view.client.send(f"{tag} APPEND {box} ({' '.join(sorted(flags))}) {{{len(body)}}}\r\n")
        assert view.client.line().startswith(b"+")
        view.client.send(body + b"\r\n")
        lines = view.client.until(tag)
        assert lines[-1].split(b" ")[1] == b"OK", lines
        view.absorb(lines[:-1])
        code = _CODE.search(lines[-1])
        assert code is not None and code.group(1) == b"APPENDUID", lines
        (uid,) = uid_list(code.group(3))
        self.new_uids(box, [uid])
        (self.other if to_other else self.inbox)[uid] = frozenset(flags)

    @precondition(lambda self: self.inbox)
    @rule(
        session=st.integers(0, 1),
        pick=st.integers(0, 10**6),
        add=st.booleans(),
        flags=st.sets(st.sampled_from(FLAGS), min_size=1, max_size=3),
        silent=st.booleans(),
    )
    def store(self, session: int, pick: int, add: bool, flags: set[str], silent: bool) -> None:
        uids = self.model_uids()
        uid = uids[pick % len(uids)]
        item = ("+FLAGS" if add else "-FLAGS") + (".SILENT" if silent else "")
        self.views[session].run(f"UID STORE {uid} {item} ({' '.join(sorted(flags))})")
        self.inbox[uid] = self.inbox[uid] | flags if add else self.inbox[uid] - flags

    @rule(session=st.integers(0, 1))
    def expunge(self, session: int) -> None:
        self.views[session].run("EXPUNGE")
        self.inbox = {u: f for u, f in self.inbox.items() if "\\Deleted" not in f}

    @precondition(lambda self: self.inbox)
    @rule(session=st.integers(0, 1), pick=st.integers(0, 10**6), move=st.booleans())
    def transfer(self, session: int, pick: int, move: bool) -> None:
        uids = self.model_uids()
        uid = uids[pick % len(uids)]
        lines = self.views[session].run(f"UID {'MOVE' if move else 'COPY'} {uid} {OTHER}")
        (code,) = [m for line in lines if (m := _CODE.search(line))]
        assert code.group(1) == b"COPYUID" and uid_list(code.group(3)) == [uid], lines
        (new,) = uid_list(code.group(4))
        self.new_uids(OTHER, [new])
        self.other[new] = self.inbox[uid]  # RFC 3501 §6.4.7: flags are copied
        if move:
            del self.inbox[uid]

    @rule(session=st.integers(0, 1))
    def noop(self, session: int) -> None:
        self.views[session].run("NOOP")

    # -- what must hold after every step -----------------------------------------------------
    @invariant()
    def views_match_model(self) -> None:
        if not self.views:
            return
        for view in self.views:
            view.run("NOOP")  # RFC 3501 §6.1.2: the poll that reports what others changed
            expected = self.model_uids()
            assert len(view.uids) == len(expected), (view.uids, expected)
            known = [u for u in view.uids if u is not None]
            assert known == [u for u, v in zip(expected, view.uids, strict=True) if v is not None]
            for number, flags in view.flags.items():
                assert flags == self.inbox[expected[number - 1]], (number, flags)
            # the full listing agrees, in sequence order (numbers learned above included)
            listing = view.run("FETCH 1:* (UID FLAGS)")[:-1] if expected else []
            got = [
                (int(_UID.search(line).group(1)), flag_set(_FLAGS.search(line).group(1)))
                for line in listing
                if _FETCH.match(line)
            ]
            assert got == [(u, self.inbox[u]) for u in expected], (got, self.inbox)
            view.uids = list(expected)
            view.flags = {}  # the next step's announcements are checked on their own

    @invariant()
    def other_mailbox_counts(self) -> None:
        if not self.views:
            return
        lines = self.views[0].run(f"STATUS {OTHER} (MESSAGES UIDNEXT)")
        (status,) = [line for line in lines if line.startswith(b"* STATUS")]
        assert int(re.search(rb"MESSAGES (\d+)", status).group(1)) == len(self.other)
        assert int(re.search(rb"UIDNEXT (\d+)", status).group(1)) > self.floor[OTHER]


def machine_for(port: int) -> Callable[[], TwoSessions]:
    return type("TwoSessionsOnPort", (TwoSessions,), {"port": port})


def run_machine(port: int) -> None:
    run_state_machine_as_test(machine_for(port), settings=bounded(10, stateful_step_count=20))


async def test_two_sessions_follow_the_model(imap: Server) -> None:
    await asyncio.to_thread(run_machine, imap.port)
