"""atheris target: modified UTF-7 mailbox names (RFC 3501 §5.1.3).

Decoding any octets gives a name or ``ValueError``; a decoded name re-encodes to 7-bit text
that decodes to the same name; and any text (the input read as UTF-8) round-trips.
"""

from __future__ import annotations

import sys

from _harness import instrumented, run

with instrumented():
    from servers.imap.wire.mutf7 import decode_mutf7, encode_mutf7


def one_input(data: bytes) -> None:
    try:
        name = decode_mutf7(data)
    except ValueError:
        pass
    else:
        if decode_mutf7(encode_mutf7(name)) != name:
            raise AssertionError(f"{data!r} -> {name!r} does not round-trip")
    text = data.decode("utf-8", "replace")
    encoded = encode_mutf7(text)
    if not all(0x20 <= octet <= 0x7E for octet in encoded) or decode_mutf7(encoded) != text:
        raise AssertionError(f"{text!r} -> {encoded!r} does not round-trip")


if __name__ == "__main__":
    run("mutf7", one_input)
    sys.exit(0)
