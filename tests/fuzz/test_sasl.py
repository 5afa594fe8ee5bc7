"""SASL PLAIN (RFC 4616) and LOGIN decoding: any input is credentials or ``SaslError``."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from servers.common.sasl import PlainCredentials, SaslError, decode_b64, parse_plain

from .profile import bounded

NO_NUL = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
B64ISH = st.text(alphabet="AQIDBbcd0123+/=\x00 \r\né-_", max_size=40)


@bounded(300)
@given(data=st.binary(max_size=60).map(base64.b64encode) | B64ISH | st.binary(max_size=60))
def test_plain_raises_only_sasl_error(data: bytes | str) -> None:
    try:
        creds = parse_plain(data)
    except SaslError:
        return
    # RFC 4616 §2: message = [authzid] NUL authcid NUL passwd; authcid is never empty
    assert creds.authcid
    assert "\x00" not in creds.authzid + creds.authcid + creds.password
    raw = "\x00".join([creds.authzid, creds.authcid, creds.password]).encode()
    assert base64.b64decode(data, validate=True) == raw


@bounded(200)
@given(authzid=NO_NUL, authcid=NO_NUL.filter(bool), password=NO_NUL, as_text=st.booleans())
def test_plain_round_trip(authzid: str, authcid: str, password: str, as_text: bool) -> None:
    blob = base64.b64encode(f"{authzid}\x00{authcid}\x00{password}".encode())
    data: bytes | str = blob.decode("ascii") if as_text else blob
    assert parse_plain(data) == PlainCredentials(authzid, authcid, password)


@bounded(200)
@given(data=B64ISH | st.binary(max_size=40).map(base64.b64encode))
def test_login_step_decodes_or_raises_sasl_error(data: bytes | str) -> None:
    """LOGIN's username/password lines go through ``decode_b64`` (RFC 4954 §4 base64)."""
    try:
        raw = decode_b64(data)
    except SaslError:
        return
    assert base64.b64encode(raw) == (data.encode() if isinstance(data, str) else data)
