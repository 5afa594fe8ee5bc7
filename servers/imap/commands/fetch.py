"""FETCH and UID FETCH (RFC 9051 §6.4.5), BINARY (RFC 3516), CHANGEDSINCE and VANISHED
(RFC 7162 §3.1.4.1, §3.2.6).

Everything a FETCH returns was computed at ingest: ENVELOPE and BODYSTRUCTURE are stored,
body sections are slices (``sections.py``). The engine streams rows in UID order and reads
only the columns the items need; each row becomes one ``* n FETCH`` as it arrives
(``fetch_items.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from servers.imap import responses
from servers.imap.engine import FlagOp
from servers.imap.errors import bad
from servers.imap.fetch_items import FetchFormatter
from servers.imap.fetch_light import fetch_light, is_light
from servers.imap.parse import BinarySize, BodySection, Fetch, FetchAttr, FetchItem, SequenceSet

if TYPE_CHECKING:
    from servers.imap.session import Session
    from servers.imap.view import MailboxView

_RAW_ATTRS = frozenset({FetchAttr.RFC822, FetchAttr.RFC822_HEADER, FetchAttr.RFC822_TEXT})
#: Octets of raw messages read from the engine at a time.
RAW_BATCH = 4 * 1024 * 1024
_SEEN_ATTRS = frozenset({FetchAttr.RFC822, FetchAttr.RFC822_TEXT})  # RFC 3501 §6.4.5


@dataclass(frozen=True)
class Plan:
    """What the items need from the engine, and whether they set \\Seen."""

    envelope: bool
    structure: bool
    raw: bool
    sets_seen: bool
    #: ENVELOPE/BODY/BODYSTRUCTURE as stored at ingest, ready to send (not for UTF8=ACCEPT)
    wire: bool = False

    @classmethod
    def of(cls, items: tuple[FetchItem, ...], utf8: bool = False) -> Plan:
        binary = any(
            isinstance(i, BinarySize) or (isinstance(i, BodySection) and i.binary) for i in items
        )
        shapes = FetchAttr.BODY in items or FetchAttr.BODYSTRUCTURE in items
        wire = not utf8 and (FetchAttr.ENVELOPE in items or shapes)
        return cls(
            envelope=FetchAttr.ENVELOPE in items and not wire,
            structure=binary or (shapes and not wire),
            wire=wire,
            raw=any(isinstance(i, BodySection | BinarySize) or i in _RAW_ATTRS for i in items),
            sets_seen=any(
                (isinstance(i, BodySection) and not i.peek) or i in _SEEN_ATTRS for i in items
            ),
        )


async def fetch(s: Session, cmd: Fetch) -> None:
    """RFC 9051 §6.4.5 (selected)."""
    selected = s.selected()
    view = selected.view
    uids = view.resolve(cmd.sequence, cmd.uid)
    if FetchAttr.MODSEQ in cmd.items:
        await s.enable_condstore()  # RFC 7162 §3.1: a CONDSTORE enabling command
    if cmd.changedsince is not None:
        uids = await _changed_since(s, view, cmd, uids)
    if not uids:
        return
    if is_light(cmd):  # UID/FLAGS/SIZE/dates only: no row objects (fetch_light.py)
        await fetch_light(s, view, cmd, uids)
        return
    plan = Plan.of(cmd.items, s.modes.utf8)
    seen = await _mark_seen(s, view, uids) if plan.sets_seen and not view.readonly else {}
    formatter = FetchFormatter(view, cmd, s.modes, seen)
    batches = await _batches(s, view, uids) if plan.raw else [uids]
    for batch in batches:
        rows = s.store.messages.fetch(
            selected.account.id,
            view.mailbox_id,
            batch,
            envelope=plan.envelope,
            structure=plan.structure,
            raw=plan.raw,
            wire=plan.wire,
        )
        async for row in rows:
            await s.write(formatter.response(row))


async def _batches(s: Session, view: MailboxView, uids: list[int]) -> list[list[int]]:
    """UIDs in groups of at most ``RAW_BATCH`` octets of messages: a session holds no more
    message data than that at a time, however many 50 MB messages a FETCH asks for."""
    if len(uids) == 1:
        return [uids]
    batches: list[list[int]] = [[]]
    total = 0
    async for row in s.store.messages.fetch(view.account_id, view.mailbox_id, uids):
        if batches[-1] and total + row.size > RAW_BATCH:
            batches.append([])
            total = 0
        batches[-1].append(row.uid)
        total += row.size
    return batches


async def _changed_since(s: Session, view: MailboxView, cmd: Fetch, uids: list[int]) -> list[int]:
    """RFC 7162 §3.1.4.1: only messages changed after the given mod-sequence; with VANISHED
    (§3.2.6) first the UIDs of the set expunged since then."""
    assert cmd.changedsince is not None
    if cmd.vanished and not s.modes.qresync:
        raise bad("VANISHED needs ENABLE QRESYNC")
    await s.enable_condstore()
    changes = await s.store.messages.changes_since(
        view.account_id, view.mailbox_id, cmd.changedsince
    )
    if cmd.vanished and changes.vanished and isinstance(cmd.sequence, SequenceSet):
        largest = max(view.uids[-1] if view.uids else 0, changes.vanished[-1])
        gone = [uid for uid in changes.vanished if cmd.sequence.contains(uid, largest)]
        if gone:
            await s.write(responses.vanished(gone, earlier=True))
    changed = {change.uid for change in changes.changed}
    return [uid for uid in uids if uid in changed]


async def _mark_seen(s: Session, view: MailboxView, uids: list[int]) -> dict[int, int]:
    """RFC 9051 §6.4.5: BODY[...] without PEEK sets \\Seen; changed UIDs -> new mod-sequence."""
    result = await s.store.messages.store_flags(
        view.account_id, view.mailbox_id, uids, FlagOp.ADD, ["\\Seen"]
    )
    if result.changed:
        view.own.add(result.highestmodseq)
    return {change.uid: change.modseq for change in result.changed}
