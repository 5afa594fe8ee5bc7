"""MIME trees built with the stdlib ``email`` package: our parse agrees with their shape.

For every random tree (multiparts, message/rfc822, text and binary leaves in several transfer
encodings) ``parse_message`` must not raise, must number the parts as RFC 3501 §6.4.5 says,
must report for each leaf the size and line count of exactly the octets it slices out, and
those octets, transfer-decoded, must be the payload the stdlib parser finds at the same place.
"""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mailstore.message import parse_message
from mailstore.message.text import count_lines, decode_cte

from .profile import bounded

TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from(["\n", ".", "-"]),
    max_size=80,
)
CHARSETS = st.sampled_from(["utf-8", "us-ascii", "iso-8859-1"])


@st.composite
def text_leaf(draw: st.DrawFn) -> Message:
    text = draw(TEXT)
    charset = draw(CHARSETS)
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    part = MIMEText(text, draw(st.sampled_from(["plain", "html"])), charset)
    if draw(st.booleans()):
        part.add_header("Content-Disposition", "attachment", filename=draw(TEXT) or "a.txt")
    return part


@st.composite
def binary_leaf(draw: st.DrawFn) -> Message:
    return MIMEApplication(draw(st.binary(max_size=100)), draw(st.sampled_from(["pdf", "zip"])))


def _multipart(children: list[Message], subtype: str) -> Message:
    outer = MIMEMultipart(subtype)
    for child in children:
        outer.attach(child)
    return outer


def _wrap(message: Message) -> Message:
    """message/rfc822 around a whole message (with a header of its own)."""
    message["Subject"] = "inner"
    return MIMEMessage(message)


def _extend(children: st.SearchStrategy[Message]) -> st.SearchStrategy[Message]:
    return st.one_of(
        st.builds(
            _multipart,
            st.lists(children, min_size=1, max_size=4),
            st.sampled_from(["mixed", "alternative", "related"]),
        ),
        children.map(_wrap),
    )


TREES = st.recursive(text_leaf() | binary_leaf(), _extend, max_leaves=8)


def expected_sections(message: Message, path: str = "") -> dict[str, Message]:
    """RFC 3501 §6.4.5 part numbers of the non-multipart leaves, from the stdlib tree."""
    out: dict[str, Message] = {}
    if message.is_multipart() and message.get_content_maintype() == "multipart":
        for i, child in enumerate(message.get_payload(), 1):
            out.update(_section(child, f"{path}{i}"))
        return out
    return _section(message, "1")  # a non-multipart message is part 1, even message/rfc822


def _section(part: Message, path: str) -> dict[str, Message]:
    out = {path: part}
    if part.get_content_type() == "message/rfc822":
        (inner,) = part.get_payload()
        if inner.get_content_maintype() == "multipart":
            out.update(expected_sections(inner, path + "."))
        else:
            out.update(_section(inner, path + ".1"))
    elif part.get_content_maintype() == "multipart":
        for i, child in enumerate(part.get_payload(), 1):
            out.update(_section(child, f"{path}.{i}"))
    return out


def bodystructure_at(bs: dict[str, Any], path: str) -> dict[str, Any]:
    """Walk our BODYSTRUCTURE dict down an IMAP part number."""
    numbers = path.split(".")
    node = bs
    if "multipart" not in node:  # a single-part message: "1" is the message body itself
        assert numbers.pop(0) == "1", path
    else:
        node = node["multipart"][int(numbers.pop(0)) - 1]
    for number in numbers:
        if "multipart" in node:
            node = node["multipart"][int(number) - 1]
        else:  # message/rfc822: "n.1" is inside it
            inner = node["body"]
            node = inner["multipart"][int(number) - 1] if "multipart" in inner else inner
            assert "multipart" in inner or number == "1", path
    return node


@bounded(150)
@given(tree=TREES)
def test_structure_matches_stdlib(tree: Message) -> None:
    tree["From"] = "a@example.org"
    tree["Subject"] = "fuzz"
    raw = tree.as_bytes(policy=SMTP)
    parsed = parse_message(raw)
    reparsed = message_from_bytes(raw)

    wanted = expected_sections(reparsed)
    ours = {path for path in parsed.parts if not path.endswith(".H")}
    assert ours == set(wanted), (sorted(ours), sorted(wanted))
    assert parsed.size == len(raw) and parsed.lines == raw.count(b"\n")

    for path, part in wanted.items():
        header_start, body_start, body_end = parsed.parts[path]
        assert 0 <= header_start <= body_start <= body_end <= len(raw)
        node = bodystructure_at(parsed.bodystructure, path)
        if "multipart" in node:
            assert part.is_multipart()
            assert node["subtype"].lower() == part.get_content_subtype()
            continue
        assert f"{node['type']}/{node['subtype']}".lower() == part.get_content_type()
        assert node["size"] == body_end - body_start
        if node["lines"] is not None:
            assert node["lines"] == count_lines(raw, body_start, body_end)
        if part.get_content_maintype() == "message" or part.is_multipart():
            continue
        body = raw[body_start:body_end]
        cte = (part.get("Content-Transfer-Encoding") or "7bit").lower()
        assert node["encoding"].lower() == cte
        assert decode_cte(body, cte) == part.get_payload(decode=True), path


@bounded(150)
@given(
    tree=TREES,
    cut=st.integers(0, 400),
    junk=st.sampled_from([b"", b"--", b"\r\n--x\r\n", b"Content-Type: multipart/mixed\r\n"]),
)
def test_truncated_or_damaged_tree_never_raises(tree: Message, cut: int, junk: bytes) -> None:
    """Cut anywhere and with stray boundaries: still a parse, offsets in range."""
    raw = tree.as_bytes(policy=SMTP)
    damaged = raw[: len(raw) - cut] + junk
    parsed = parse_message(damaged)
    assert parsed.size == len(damaged)
    for h, b, e in parsed.parts.values():
        assert 0 <= h <= b <= e <= len(damaged)
