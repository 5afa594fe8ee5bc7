"""atheris target: the SMTP DATA decoder against the line-by-line reference of
``tests/fuzz/test_data_reader.py`` (RFC 5321 §4.1.1.4 end of data, §4.5.2 transparency).

Input layout: byte 0 picks the size limit and the bare-line-ending policy, byte 1 the number
of reads and (as a seed) where the payload -- every later byte -- is cut into them. Any disagreement with the reference is a crash.
"""

from __future__ import annotations

import itertools
import random
import sys

from _harness import instrumented, run

with instrumented("tests.fuzz"):
    from servers.smtp.data import LineEndings
    from tests.fuzz.test_data_reader import decode, reference


def one_input(data: bytes) -> None:
    if len(data) < 2:
        return
    config, cutter, wire = data[0], data[1], data[2:]
    max_size = (config & 0x7F) * 40
    line_endings = LineEndings.NORMALISE if config & 0x80 else LineEndings.REJECT
    # byte 1: how many reads (low 4 bits) and, as a seed, where the payload is cut
    positions = range(1, len(wire))
    cuts = random.Random(cutter).sample(positions, min(cutter & 0x0F, len(positions)))
    bounds = sorted({0, len(wire), *cuts})
    chunks = [wire[a:b] for a, b in itertools.pairwise(bounds)] or [b""]
    expected = reference(chunks, max_size, line_endings)
    got = decode(chunks, max_size, line_endings)
    if got != expected:
        raise AssertionError(f"decoder {got!r} != reference {expected!r}")


if __name__ == "__main__":
    run("data_reader", one_input)
    sys.exit(0)
