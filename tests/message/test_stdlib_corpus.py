"""Compare with Python's ``email`` package on CPython's own test messages.

CPython ships ~50 real and deliberately broken messages with its test suite
(``test/test_email/data``); the test is skipped where that data is absent.
Where the two parsers disagree on purpose, the difference is listed here:

* a multipart without a usable boundary, or with no delimiter in its body,
  is a text/plain leaf for us (its text stays readable); ``email`` reports a
  multipart with no children;
* delivery-status and external-body parts are leaves for IMAP (RFC 3501);
  ``email`` parses their bodies as header blocks;
* empty body parts between consecutive delimiters are parts (RFC 2046
  §5.1.1); ``email`` drops them;
* a header ends only at an empty line (RFC 5322 §2.1, as Dovecot does); a
  line without a colon does not end it, where ``email`` starts the body.
"""

from __future__ import annotations

import glob
import os

import pytest

from mailstore.message.headers import transfer_encoding
from mailstore.message.mime import iter_entities, scan
from mailstore.message.text import decode_cte

from .test_properties import check_invariants

email_tests = pytest.importorskip("test.test_email")
DATA = os.path.join(os.path.dirname(email_tests.__file__), "data")
FILES = sorted(glob.glob(os.path.join(DATA, "msg_*.txt")))
if not FILES:  # pragma: no cover
    pytest.skip("CPython email test data not installed", allow_module_level=True)

OURS_DIFFERS = {
    "msg_15.txt": ["multipart/mixed", "text/plain", "text/plain", "text/html"],
    "msg_16.txt": [
        "multipart/report",
        "text/plain",
        "message/delivery-status",
        "message/rfc822",
        "text/plain",
    ],
    "msg_17.txt": ["text/plain"],
    "msg_25.txt": ["text/plain"],
    "msg_31.txt": ["text/plain"],
    "msg_36.txt": [
        "multipart/mixed",
        "text/plain",
        "multipart/alternative",
        "message/external-body",
        "message/external-body",
    ],
    "msg_37.txt": ["multipart/mixed", "text/x-one", "text/plain", "text/x-two"]
    + ["text/plain"] * 3
    + ["text/x-two"],
    "msg_39.txt": [
        "multipart/mixed",
        "multipart/mixed",
        "text/plain",
        "application/octet-stream",
        "application/octet-stream",
        "text/plain",
    ],
    "msg_41.txt": ["text/plain"],
    "msg_42.txt": ["multipart/mixed", "text/plain", "message/rfc822", "text/plain"],
    "msg_43.txt": [
        "multipart/report",
        "text/plain",
        "message/delivery-status",
        "text/rfc822-headers",
    ],
}
# Parts whose header has no empty line after it (see the module docstring).
HEADER_WITHOUT_BLANK_LINE = {"msg_19.txt", "msg_35.txt", "msg_38.txt", "msg_47.txt"}


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_cpython_corpus(path: str) -> None:
    from email import message_from_bytes
    from email.policy import compat32

    name = os.path.basename(path)
    with open(path, "rb") as f:
        raw = f.read()
    check_invariants(raw)
    ours = list(iter_entities(scan(raw)))
    types = [e.media_type for e in ours]
    if name in OURS_DIFFERS:
        assert types == OURS_DIFFERS[name]
        return
    reference = list(message_from_bytes(raw, policy=compat32).walk())
    assert types == [p.get_content_type() for p in reference]
    if name in HEADER_WITHOUT_BLANK_LINE:
        return
    for ent, ref in zip(ours, reference, strict=True):
        if ent.multipart or ent.message is not None or ref.is_multipart():
            continue
        body = raw[ent.body_start : ent.body_end]
        assert decode_cte(body, transfer_encoding(ent.values)) == ref.get_payload(decode=True)
