"""atheris target: SASL PLAIN (RFC 4616) and the base64 of LOGIN (RFC 4954 §4).

Any input (as bytes, and as text when it is ASCII) is credentials or ``SaslError``; PLAIN
credentials hold no NUL and a non-empty authcid, and re-encode to the same octets.
"""

from __future__ import annotations

import base64
import sys

from _harness import instrumented, run

with instrumented():
    from servers.common.sasl import SaslError, decode_b64, parse_plain


def one_input(data: bytes) -> None:
    forms: list[bytes | str] = [data]
    if data.isascii():
        forms.append(data.decode("ascii"))
    for form in forms:
        try:
            creds = parse_plain(form)
        except SaslError:
            pass
        else:
            joined = "\x00".join([creds.authzid, creds.authcid, creds.password]).encode()
            if not creds.authcid or base64.b64decode(data, validate=True) != joined:
                raise AssertionError(f"PLAIN {data!r} decoded to {creds!r}")
        try:
            decode_b64(form)
        except SaslError:
            pass


if __name__ == "__main__":
    run("sasl", one_input)
    sys.exit(0)
