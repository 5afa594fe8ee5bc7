"""atheris target: RFC 5322 §3.4 address lists as the ENVELOPE builder reads them.

The input (UTF-8, errors replaced, unfolded like a stored field) goes to
``parse_address_list``: each address is four strings-or-None, group markers are balanced
enough for ``first_mailbox``, and SORT's display key has no CR or LF.
"""

from __future__ import annotations

import json
import sys

from _harness import instrumented, run

with instrumented():
    from mailstore.message.address import first_mailbox, parse_address_list
    from mailstore.message.envelope import sort_keys
    from mailstore.message.headers import unfold


def one_input(data: bytes) -> None:
    value = unfold(data).decode("utf-8", "replace")
    addrs = parse_address_list(value)
    if addrs is None:
        return
    json.dumps(addrs)
    for addr in addrs:
        if len(addr) != 4 or not all(p is None or isinstance(p, str) for p in addr):
            raise AssertionError(f"malformed address {addr!r}")
    first = first_mailbox(addrs)
    if first is not None and first[3] is None:
        raise AssertionError("first_mailbox returned a group marker")
    _mailbox, display = sort_keys(addrs)
    if "\r" not in value and ("\r" in display or "\n" in display):
        raise AssertionError(f"line break in the display key {display!r}")


if __name__ == "__main__":
    run("addresses", one_input)
    sys.exit(0)
