"""Hostile input never raises: property tests over the parsers (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailstore.mailauth.dmarc import DMARCRecordError, NoAuthorDomain, author_domain, parse_record
from mailstore.mailauth.results import strip_forged_authentication_results

HEADERISH = st.lists(
    st.sampled_from(
        [
            b"Authentication-Results: mx.example.org; spf=pass\r\n",
            b"authentication-results:(c)mx.example.org\r\n",
            b"From: a@example.com\r\n",
            b"From: =?utf-8?q?x?= <b@[1.2.3.4]>, c@example.net\r\n",
            b" continued\r\n",
            b"\r\n",
            b"\n",
            b"\r",
            b"X: \xff\x00\r\n",
            b'Authentication-Results: "mx.example.org\r\n',
        ]
    )
    | st.binary(max_size=40)
).map(b"".join)


@settings(max_examples=300)
@given(HEADERISH)
def test_strip_keeps_every_other_byte(raw: bytes) -> None:
    out = strip_forged_authentication_results(raw, "mx.example.org")
    assert isinstance(out, bytes) and len(out) <= len(raw)
    if b"authentication-results" not in raw.lower():
        assert out == raw
    # Removing is idempotent and only removes whole ranges: what is left is a subsequence.
    assert strip_forged_authentication_results(out, "mx.example.org") == out
    it = iter(raw)
    assert all(byte in it for byte in out)


@settings(max_examples=300)
@given(HEADERISH)
def test_author_domain_raises_only_its_error(raw: bytes) -> None:
    try:
        domain = author_domain(raw)
    except NoAuthorDomain:
        return
    assert domain == domain.lower() and "." in domain


@settings(max_examples=300)
@given(st.text(max_size=80) | st.text(max_size=60).map(lambda s: "v=DMARC1;" + s))
def test_parse_record_raises_only_its_error(text: str) -> None:
    try:
        record = parse_record(text)
    except DMARCRecordError:
        return
    assert record.p in ("none", "quarantine", "reject") and 0 <= record.pct <= 100
