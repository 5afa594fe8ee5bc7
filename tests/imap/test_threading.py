"""RFC 5256 THREAD algorithms (pure unit tests, no server)."""

from __future__ import annotations

import datetime as dt

from servers.imap.threading import Node, ThreadMessage, format, ordered_subject, references

BASE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def msg(
    number: int,
    message_id: str = "",
    refs: tuple[str, ...] = (),
    subject: str = "s",
    *,
    minute: int | None = None,
    reply: bool = False,
    in_reply_to: str = "",
) -> ThreadMessage:
    date = BASE + dt.timedelta(minutes=number if minute is None else minute)
    return ThreadMessage(number, message_id, in_reply_to, refs, subject, date, reply)


def threads(roots: list[Node]) -> bytes:
    return format(roots)


def test_chain_siblings_and_order():
    messages = [
        msg(1, "<a>", subject="a"),
        msg(2, "<b>", ("<a>",), "a", reply=True),
        msg(3, "<c>", ("<a>", "<b>"), "a", reply=True),
        msg(4, "<d>", ("<a>",), "a", reply=True),
        msg(5, "<e>", subject="other"),
    ]
    assert threads(references(messages)) == b"(1 (2 3)(4))(5)"


def test_missing_parent_makes_a_dummy_or_promotes_a_single_child():
    two_children = [msg(1, "<b>", ("<x>",), "x"), msg(2, "<c>", ("<x>",), "x")]
    assert threads(references(two_children)) == b"((1)(2))"
    assert threads(references([msg(1, "<b>", ("<x>",), "x")])) == b"(1)"


def test_in_reply_to_is_used_without_references():
    messages = [msg(1, "<a>", subject="a"), msg(2, "<b>", (), "a", in_reply_to="<a>")]
    assert threads(references(messages)) == b"(1 2)"


def test_subject_gathering():
    reply_later = [msg(1, "<a>", subject="hi"), msg(2, "<b>", subject="hi", reply=True)]
    assert threads(references(reply_later)) == b"(1 2)"
    reply_first = [msg(1, "<a>", subject="hi", reply=True), msg(2, "<b>", subject="hi")]
    assert threads(references(reply_first)) == b"(2 1)"
    neither = [msg(1, "<a>", subject="hi"), msg(2, "<b>", subject="hi")]
    assert threads(references(neither)) == b"((1)(2))"
    empty_subjects = [msg(1, "<a>", subject=""), msg(2, "<b>", subject="")]
    assert threads(references(empty_subjects)) == b"(1)(2)"


def test_loops_and_duplicate_ids_do_not_break_it():
    loop = [msg(1, "<a>", ("<b>",), "x"), msg(2, "<b>", ("<a>",), "x")]
    assert sorted(threads(references(loop)).decode()) == sorted("(1 2)")
    duplicates = [msg(1, "<a>", subject="p"), msg(2, "<a>", subject="q")]
    assert threads(references(duplicates)) == b"(1)(2)"
    self_reference = [msg(1, "<a>", ("<a>",), "x")]
    assert threads(references(self_reference)) == b"(1)"


def test_threads_and_siblings_sort_by_date_then_number():
    messages = [
        msg(1, "<a>", subject="late", minute=50),
        msg(2, "<b>", subject="early", minute=10),
        msg(3, "<c>", ("<b>",), "early", minute=40, reply=True),
        msg(4, "<d>", ("<b>",), "early", minute=20, reply=True),
    ]
    assert threads(references(messages)) == b"(2 (4)(3))(1)"


def test_ordered_subject():
    # RFC 5256 §3: sort by base subject then date; the first message of a group is the parent
    messages = [
        msg(1, subject="b", minute=5),
        msg(2, subject="a", minute=3),
        msg(3, subject="b", minute=1),
        msg(4, subject="a", minute=4),
        msg(5, subject="c", minute=2),
        msg(6, subject="b", minute=6),
    ]
    assert threads(ordered_subject(messages)) == b"(3 (1)(6))(5)(2 4)"
    assert threads(ordered_subject([])) == b""
