"""RFC 5256 THREAD algorithms over what the engine gives per message (pure code).

``ordered_subject`` and ``references`` take ``ThreadMessage`` values (a number to print, the
message ids, the base subject and the sent date) and return the thread forest; ``format``
writes it as the THREAD response data (RFC 5256 §4: ``(1 2 (3)(4 5))``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Node", "ThreadMessage", "format", "ordered_subject", "references"]


@dataclass(frozen=True)
class ThreadMessage:
    """One message: ``number`` (sequence number or UID) and its threading data.

    ``subject`` is the RFC 5256 §2.1 base subject; ``is_reply`` whether extracting it removed
    reply or forward markers ("Re:", "Fwd:", ...).
    """

    number: int
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    subject: str
    date: dt.datetime
    is_reply: bool = False


@dataclass(eq=False)
class Node:
    """A container (RFC 5256 §2.2 "THREAD=REFERENCES"): a message, or a dummy (``message`` None)."""

    message: ThreadMessage | None = None
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def add(self, child: Node) -> None:
        if child.parent is not None:
            child.parent.children.remove(child)
        child.parent = self
        self.children.append(child)

    def is_ancestor_of(self, other: Node) -> bool:
        node: Node | None = other
        while node is not None:
            if node is self:
                return True
            node = node.parent
        return False

    def sort_key(self) -> tuple[dt.datetime, int]:
        """RFC 5256 §2.2: by sent date, then sequence; a dummy by its first child."""
        if self.message is not None:
            return (self.message.date, self.message.number)
        if self.children:
            return min(child.sort_key() for child in self.children)
        return (dt.datetime.min.replace(tzinfo=dt.UTC), 0)


# -- ORDEREDSUBJECT ------------------------------------------------------------------------


def ordered_subject(messages: Iterable[ThreadMessage]) -> list[Node]:
    """RFC 5256 §3 ORDEREDSUBJECT: group by base subject; the first by date is the parent of
    the others; threads in the order of their first message's date."""
    groups: dict[str, list[ThreadMessage]] = {}
    for message in sorted(messages, key=lambda m: (m.subject, m.date, m.number)):
        groups.setdefault(message.subject, []).append(message)
    roots = []
    for members in groups.values():
        root = Node(members[0])
        for member in members[1:]:
            root.add(Node(member))
        roots.append(root)
    roots.sort(key=Node.sort_key)
    return roots


# -- REFERENCES -------------------------------------------------------------------------------


def references(messages: Sequence[ThreadMessage]) -> list[Node]:
    """RFC 5256 §3 REFERENCES (the algorithm of steps 1-6)."""
    table: dict[str, Node] = {}
    for message in messages:
        _link(table, message)
    roots = [node for node in table.values() if node.parent is None]
    roots = _prune(roots, top=True)
    roots.sort(key=Node.sort_key)
    roots = _merge_by_subject(roots)
    _sort_tree(roots)
    roots.sort(key=Node.sort_key)
    return roots


def _link(table: dict[str, Node], message: ThreadMessage) -> None:
    """Step 1: the message's container, its References chain, and its parent."""
    node = table.get(message.message_id) if message.message_id else None
    if node is None or node.message is not None:  # none, or a duplicate Message-ID
        key = (
            message.message_id if node is None and message.message_id else f"<dup {message.number}>"
        )
        node = table[key] = Node()
    node.message = message
    refs = list(message.references) or ([message.in_reply_to] if message.in_reply_to else [])
    previous: Node | None = None
    for ref in refs:
        current = table.get(ref)
        if current is None:
            current = table[ref] = Node()
        if previous is not None and current.parent is None and not current.is_ancestor_of(previous):
            previous.add(current)  # 1B: link each reference to the one before it
        previous = current
    if node.parent is not None:  # 1C: the last reference is the parent, replacing any other
        node.parent.children.remove(node)
        node.parent = None
    if previous is not None and previous is not node and not node.is_ancestor_of(previous):
        previous.add(node)


def _prune(nodes: list[Node], *, top: bool) -> list[Node]:
    """Step 3: drop empty dummies; promote a dummy's children (to the root only if just one)."""
    kept: list[Node] = []
    for node in nodes:
        node.children = _prune(node.children, top=False)
        for child in node.children:
            child.parent = node
        if node.message is not None:
            kept.append(node)
        elif not node.children:
            continue
        elif not top or len(node.children) == 1:
            for child in node.children:
                child.parent = node.parent
            kept.extend(node.children)
        else:
            kept.append(node)
    return kept


def _subject(node: Node) -> str:
    message = node.message if node.message is not None else node.children[0].message
    return message.subject if message is not None else ""


def _merge_by_subject(roots: list[Node]) -> list[Node]:
    """Step 5: threads whose roots share a base subject are gathered."""
    table: dict[str, Node] = {}
    for root in roots:  # 5B: which root represents each subject
        subject = _subject(root)
        if not subject:
            continue
        other = table.get(subject)
        if (
            other is None
            or (other.message is not None and root.message is None)
            or (_is_reply(other) and not _is_reply(root))
        ):
            table[subject] = root
    merged: dict[int, Node] = {}  # by identity; the order is fixed by the final sort
    for root in roots:  # 5C
        subject = _subject(root)
        chosen = table.get(subject) if subject else None
        if chosen is None or chosen is root:
            merged[id(root)] = root
            continue
        keeper = _merge_into(chosen, root)
        table[subject] = keeper
        merged.pop(id(chosen), None)
        merged[id(keeper)] = keeper
    return [root for root in merged.values() if root.parent is None]


def _merge_into(chosen: Node, root: Node) -> Node:
    """Step 5C for two roots with one subject; returns the one that now represents it."""
    if chosen.message is None and root.message is None:
        for child in list(root.children):
            chosen.add(child)
        return chosen
    if chosen.message is None:
        chosen.add(root)
        return chosen
    if root.message is None:
        root.add(chosen)
        return root
    if not _is_reply(chosen) and _is_reply(root):
        chosen.add(root)
        return chosen
    if _is_reply(chosen) and not _is_reply(root):
        root.add(chosen)
        return root
    dummy = Node()  # both or neither replies: a new dummy holds both
    dummy.add(chosen)
    dummy.add(root)
    return dummy


def _is_reply(node: Node) -> bool:
    return node.message is not None and node.message.is_reply


def _sort_tree(nodes: list[Node]) -> None:
    """Step 6: siblings in date order, all the way down."""
    for node in nodes:
        node.children.sort(key=Node.sort_key)
        _sort_tree(node.children)


# -- response data ----------------------------------------------------------------------------


def format(roots: Iterable[Node]) -> bytes:
    """RFC 5256 §4 ``thread-list``s: one parenthesised group per thread."""
    return b"".join(b"(" + _members(root) + b")" for root in roots)


def _members(node: Node) -> bytes:
    """``thread-members``: a chain of single children, then the nested branches."""
    parts: list[bytes] = []
    while True:
        if node.message is not None:
            parts.append(b"%d" % node.message.number)
        if len(node.children) != 1 or node.message is None:
            break
        node = node.children[0]
    if node.children:
        parts.append(b"".join(b"(" + _members(child) + b")" for child in node.children))
    return b" ".join(parts)
