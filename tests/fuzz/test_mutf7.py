"""Modified UTF-7 (RFC 3501 §5.1.3) and mailbox name validation.

``encode_mutf7`` / ``decode_mutf7`` must round-trip every name, the decoder must turn any
octets into a name or ``ValueError`` (never another exception), and the engine's
``canonical_name`` must accept only names with no control or wildcard characters and no empty,
``.`` or ``..`` level, idempotently.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailstore.errors import InvalidArgument
from mailstore.store.mailboxes import MAX_DEPTH, MAX_NAME_BYTES, canonical_name, pattern_regex
from servers.imap.wire.mutf7 import decode_mutf7, encode_mutf7

from .profile import bounded

NAMES = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
MUTF7ISH = st.lists(
    st.sampled_from([b"&", b"-", b"&-", b"A", b"Z", b"+", b",", b"/", b"0", b"AGE", b"ZeVnLIqe"])
    | st.binary(max_size=3),
    max_size=12,
).map(b"".join)
LEVEL = st.sampled_from(["INBOX", "inbox", "a", "Sent", "..", ".", "", " x", "x ", "*", "%", "é"])
PATHS = st.lists(LEVEL | NAMES, min_size=1, max_size=5).map("/".join)


@bounded(400)
@given(name=NAMES)
def test_round_trip(name: str) -> None:
    encoded = encode_mutf7(name)
    assert encoded.isascii()
    assert all(0x20 <= octet <= 0x7E for octet in encoded)
    assert decode_mutf7(encoded) == name


@bounded(400)
@given(data=MUTF7ISH)
def test_decoder_raises_only_value_error(data: bytes) -> None:
    try:
        name = decode_mutf7(data)
    except ValueError:
        return
    # What decodes is 7-bit text with no base64-encoded printable ASCII, and re-encodes to a
    # form that decodes to the same name (RFC 3501 §5.1.3).
    assert all(0x20 <= octet <= 0x7E for octet in data)
    assert decode_mutf7(encode_mutf7(name)) == name
    if b"&" not in data:
        assert name == data.decode("ascii")


@bounded(400)
@given(name=PATHS | NAMES)
def test_canonical_name(name: str) -> None:
    try:
        canonical = canonical_name(name)
    except InvalidArgument:
        return
    assert canonical_name(canonical) == canonical
    assert canonical.lower() == name.lower()
    assert len(canonical.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES
    levels = canonical.split("/")
    assert len(levels) <= MAX_DEPTH
    assert all(level not in ("", ".", "..") and level == level.strip() for level in levels)
    assert not any(ord(c) < 0x20 or c in "\x7f*%" for c in canonical)
    # a name without wildcards is a LIST pattern that matches exactly itself
    assert pattern_regex(canonical).match(canonical)
    assert not pattern_regex(canonical).match(canonical + "x")


@bounded(200)
@given(pattern=st.text(alphabet="*%/.aIiNnBbOoXx\\[](?", max_size=15), name=PATHS)
def test_pattern_regex_never_raises(pattern: str, name: str) -> None:
    regex = pattern_regex(pattern)
    regex.match(name)
    if "*" not in pattern and "%" not in pattern:
        assert bool(regex.match(pattern))
