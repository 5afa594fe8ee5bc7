"""atheris target: message parsing at ingest -- MIME tree, BODYSTRUCTURE, ENVELOPE, texts.

Any octets are a message to ``parse_message`` (it must never raise): every section's offsets
lie inside the message in order, sizes are not negative, the line count is that of the octets,
the values contain no NUL (they go to PostgreSQL text), and the IMAP wire forms of ENVELOPE
and BODYSTRUCTURE can be written. (``tests/fuzz/test_mime.py`` checks leaf sizes against the
stdlib's parse of generated trees.)
"""

from __future__ import annotations

import sys

from _harness import instrumented, run

with instrumented():
    from mailstore.message import bodystructure_to_wire, envelope_to_wire, parse_message
    from mailstore.message.text import count_lines


def leaves(bs: dict):  # type: ignore[no-untyped-def]
    if "multipart" in bs:
        for child in bs["multipart"]:
            yield from leaves(child)
        return
    yield bs
    if bs.get("body") is not None:
        yield from leaves(bs["body"])


def one_input(data: bytes) -> None:
    m = parse_message(data)
    if m.size != len(data) or not 0 <= m.header_size <= m.size:
        raise AssertionError("size or header size out of range")
    for path, (h, b, e) in m.parts.items():
        if not 0 <= h <= b <= e <= len(data):
            raise AssertionError(f"section {path}: offsets {h} {b} {e} out of order")
    buf = data.replace(b"\r", b"\n") if b"\n" not in data and b"\r" in data else data
    for leaf in leaves(m.bodystructure):
        if leaf["size"] < 0:
            raise AssertionError("negative size")
    texts = [m.subject, m.from_, m.header_text, m.body_text, m.sort_display_from]
    if any("\x00" in text for text in texts):
        raise AssertionError("NUL in a text value")
    envelope_to_wire(m.envelope)
    bodystructure_to_wire(m.bodystructure, extended=True)
    if m.lines != count_lines(buf, 0, len(buf)):
        raise AssertionError("message line count differs from the octets")


if __name__ == "__main__":
    run("mime", one_input)
    sys.exit(0)
