"""atheris target: SPF, DKIM and DMARC records (RFC 7208 §4.6, RFC 6376 §3.5/§3.6.1,
RFC 7489 §6.3) -- a result, never an exception.

Byte 0 picks the parser, the rest is the record:

* ``S``: an SPF record for example.com, evaluated by ``spf._run`` (pyspf's check_host with our
  lookup in its context variable) -- here the lookup serves the input from memory instead of
  DNS, so no socket is involved; ``tests/fuzz/test_mailauth_records.py`` does the same over
  the loopback DNS responder;
* ``K``: a DKIM key record through ``dkim._usable_key``;
* ``D``: a DKIM-Signature field value on a small message through ``dkim._prepare``;
* ``M``: a DMARC record through ``dmarc.parse_record``.
"""

from __future__ import annotations

import sys
from typing import Any, get_args

from _harness import instrumented, run

with instrumented("spf", "dkim"):
    from mailstore.mailauth import dkim, dmarc, spf

SPF_RESULTS = get_args(spf.Result)
DKIM_RESULTS = get_args(dkim.Result)


def spf_lookup(record: bytes) -> Any:
    def lookup(name: str, qtype: str) -> list[tuple[tuple[str, str], Any]]:
        if qtype in ("TXT", "SPF") and name.rstrip(".").lower() == "example.com":
            return [((name, qtype), (record,))]
        if qtype == "A" and name.rstrip(".").lower() == "example.com":
            return [((name, qtype), "127.0.0.1")]
        return []

    return lookup


def one_input(data: bytes) -> None:
    kind, record = data[:1], data[1:]
    if kind == b"S":
        result, _ = spf._run(spf_lookup(record), "127.0.0.1", "a@example.com", "h.example")
        if result not in SPF_RESULTS:
            raise AssertionError(f"SPF result {result!r}")
    elif kind == b"K":
        key, problem = dkim._usable_key("sel._domainkey.example.com", [record])
        if (key is None) != bool(problem):
            raise AssertionError("a usable key with a problem, or neither")
    elif kind == b"D":
        raw = b"DKIM-Signature: " + record + b"\r\nFrom: a@example.com\r\n\r\nbody\r\n"
        _signer, sigs = dkim._prepare(raw, 5)
        if any(sig.result.result not in DKIM_RESULTS for sig in sigs):
            raise AssertionError(f"DKIM results {sigs!r}")
    else:
        try:
            parsed = dmarc.parse_record(record.decode("utf-8", "replace"))
        except dmarc.DMARCRecordError:
            return
        if parsed.p not in ("none", "quarantine", "reject") or not 0 <= parsed.pct <= 100:
            raise AssertionError(f"DMARC record {parsed!r}")


if __name__ == "__main__":
    run("mailauth_records", one_input)
    sys.exit(0)
