"""Property tests: never raise, offsets sane, structure agrees with ``email``."""

from __future__ import annotations

import hashlib
import json
from email import message_from_bytes
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP, compat32

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailstore.message import bodystructure_to_wire, envelope_to_wire, parse_message
from mailstore.message.mime import iter_entities, scan
from mailstore.message.text import decode_cte

from .helpers import check_offsets
from .test_imapfmt import imapclient_parse, rfc3501_example
from .test_structure import MIXED, SIMPLE

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def strings(value) -> list[str]:
    """Every str inside a JSON-able value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings(v)]
    return []


def check_invariants(raw: bytes) -> None:
    m = parse_message(raw)
    check_offsets(m, raw)
    assert m.sha256 == hashlib.sha256(raw).digest()
    assert m.lines >= 0
    assert "1" in m.parts or m.bodystructure.get("multipart")
    json.dumps([m.envelope, m.bodystructure])
    texts = strings([m.envelope, m.bodystructure, m.headers, m.attachments, m.references])
    texts += [m.subject, m.from_, m.to, m.cc, m.bcc, m.message_id, m.in_reply_to]
    texts += [m.sort_subject, m.sort_from, m.sort_display_from, m.header_text, m.body_text]
    for s in texts:
        assert "\x00" not in s
        s.encode("utf-8")  # no lone surrogates
    assert len(m.body_text) <= 2_000_000
    env = envelope_to_wire(m.envelope)
    bs = bodystructure_to_wire(m.bodystructure, extended=True)
    bodystructure_to_wire(m.bodystructure, extended=False)
    # an independent IMAP parser accepts what we would send
    imapclient_parse(b"ENVELOPE", env)
    imapclient_parse(b"BODYSTRUCTURE", bs)


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(raw: bytes) -> None:
    check_invariants(raw)


_PIECES = [
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b"--",
    b"--b\r\n",
    b"--outer\r\n",
    b"--inner--\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n",
    b"Content-Type: message/rfc822\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"=?utf-8?q?",
    b"?=",
    b":",
    b";",
    b'"',
    b"<",
    b"(",
    b"\x00",
    b"\xff\xfe",
    b" ",
]
CORPUS = [SIMPLE, MIXED, MIXED.replace(b"\r\n", b"\n"), rfc3501_example()]


@st.composite
def mutated(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "insert", "piece", "dup", "flip", "truncate"]))
        n = len(raw)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 200)))
        if op == "delete":
            del raw[i:j]
        elif op == "insert":
            raw[i:i] = draw(st.binary(max_size=20))
        elif op == "piece":
            raw[i:i] = draw(st.sampled_from(_PIECES))
        elif op == "dup":
            raw[i:i] = raw[i:j]
        elif op == "flip" and i < n:
            raw[i] = draw(st.integers(0, 255))
        elif op == "truncate":
            del raw[i:]
    return bytes(raw)


@SETTINGS
@given(mutated())
def test_mutated_messages(raw: bytes) -> None:
    check_invariants(raw)


# --- agreement with Python's email package on well-formed messages ---------

_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r-"),
    max_size=200,
).map(lambda s: s + "\n")


def _leaf() -> st.SearchStrategy[Message]:
    text = st.builds(
        lambda body, sub: MIMEText(body, sub, "utf-8"),
        _TEXT,
        st.sampled_from(["plain", "html", "csv"]),
    )
    ascii_text = st.builds(
        lambda body: MIMEText(body, "plain", "us-ascii"),
        st.text(st.sampled_from("abc xyz.\n"), max_size=100),
    )
    binary = st.builds(
        lambda data, name: _named(MIMEApplication(data, "octet-stream"), name),
        st.binary(max_size=300),
        st.sampled_from(["a.bin", "résumé.pdf", ""]),
    )
    return st.one_of(text, ascii_text, binary)


def _named(part: Message, name: str) -> Message:
    if name:
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    return part


def _multipart(children: list[Message], sub: str) -> Message:
    mp = MIMEMultipart(sub)
    for c in children:
        mp.attach(c)
    return mp


TREES = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.builds(
            _multipart,
            st.lists(inner, min_size=1, max_size=4),
            st.sampled_from(["mixed", "alternative", "related"]),
        ),
        st.builds(MIMEMessage, inner),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES, st.booleans())
def test_structure_matches_email_package(tree: Message, crlf: bool) -> None:
    tree["Subject"] = "generated"
    raw = tree.as_bytes(policy=SMTP if crlf else SMTP.clone(linesep="\n"))
    reference = list(message_from_bytes(raw, policy=compat32).walk())
    ours = list(iter_entities(scan(raw)))
    assert [e.media_type for e in ours] == [p.get_content_type() for p in reference]
    for ent, ref in zip(ours, reference, strict=True):
        if ent.multipart or ent.message is not None:
            continue
        cte = ent.values.get("content-transfer-encoding", b"").decode().strip().lower()
        assert decode_cte(raw[ent.body_start : ent.body_end], cte) == ref.get_payload(decode=True)
    m = parse_message(raw)
    check_invariants(raw)
    leaves = [p for p in reference if not p.is_multipart()]
    attachments = [
        p for p in leaves if p.get_filename() or p.get_content_disposition() == "attachment"
    ]
    assert [a[1] for a in m.attachments] == [p.get_filename() or "" for p in attachments]
