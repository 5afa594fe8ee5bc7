"""atheris target: RFC 2047 encoded words in header values (``decoded_str``).

Never raises, never returns NUL or a lone surrogate, and never produces a CR or LF that was not
in the raw value: a decoded field must not forge extra "header lines" in the search text.
"""

from __future__ import annotations

import sys

from _harness import instrumented, run

with instrumented():
    from mailstore.message.headers import decoded_str


def one_input(data: bytes) -> None:
    text = decoded_str(data)
    text.encode("utf-8")  # a lone surrogate raises here
    if "\x00" in text:
        raise AssertionError("NUL in a decoded value")
    for octet, char in ((b"\r", "\r"), (b"\n", "\n")):
        if octet not in data and char in text:
            raise AssertionError(f"decoding made a line break: {data!r} -> {text!r}")


if __name__ == "__main__":
    run("encoded_words", one_input)
    sys.exit(0)
