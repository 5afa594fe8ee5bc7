"""RFC 5322 §3.4 address lists, parsed leniently into IMAP ENVELOPE addresses.

An address is ``[name, adl, mailbox, host]`` (RFC 3501 §7.4.2): ``name`` is the
raw display-name phrase (quoted strings unquoted, comments dropped, encoded
words left encoded), ``adl`` the obsolete source route (RFC 5322 §4.4),
``mailbox`` the local part, ``host`` the domain.  Group syntax (§3.4) becomes
``[None, None, group_name, None]`` ... ``[None, None, None, None]``.

An address without a domain (``root``) gets ``host = ""``, not None: a None
host means "group marker" to an IMAP client.  When there is no phrase, the
first comment serves as the name (``user@host (Real Name)``).
"""

from __future__ import annotations

import re

Address = list[str | None]

# Tokens: whitespace, quoted-string (unterminated ok), comment start, domain
# literal, specials, atoms (anything else up to a special).
_TOKENS = re.compile(
    r"""(?P<ws>\s+)
      | (?P<qs>"(?:[^"\\]|\\.)*"?)
      | (?P<cm>\()
      | (?P<dl>\[(?:[^\[\]\\]|\\.)*\]?)
      | (?P<sp>[<>@,;:.])
      | (?P<at>[^\s"(<>@,;:.\[]+|\[)""",
    re.X | re.S,
)
_QP = re.compile(r"\\(.)", re.S)

Token = tuple[str, str]  # (kind, text): ws qs cm dl sp at


def _comment_end(s: str, i: int) -> int:
    """Index after the comment opening at ``s[i] == '('`` (nested, RFC 5322 §3.2.2)."""
    depth, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def tokenize(s: str) -> list[Token]:
    out: list[Token] = []
    pos, n = 0, len(s)
    while pos < n:
        m = _TOKENS.match(s, pos)
        if m is None:  # pragma: no cover - the atom branch matches anything left
            break
        kind = m.lastgroup or "at"
        if kind == "cm":
            end = _comment_end(s, pos)
            out.append(
                ("cm", s[pos + 1 : end - 1] if s[end - 1 : end] == ")" else s[pos + 1 : end])
            )
            pos = end
            continue
        out.append((kind, m.group()))
        pos = m.end()
    return out


def _unquote(text: str) -> str:
    body = text[1:-1] if len(text) >= 2 and text.endswith('"') else text[1:]
    return _QP.sub(r"\1", body) if "\\" in body else body


def _phrase(tokens: list[Token]) -> str | None:
    """Display name: words joined by single spaces, quotes removed, comments dropped."""
    parts: list[str] = []
    space = False
    for kind, text in tokens:
        if kind in ("ws", "cm"):
            space = True
            continue
        if space and parts:
            parts.append(" ")
        space = False
        parts.append(_unquote(text) if kind == "qs" else text)
    name = "".join(parts).strip()
    return name or None


def _addr_spec(tokens: list[Token]) -> tuple[str, str]:
    """Split an addr-spec at its last '@' into (local-part, domain), no whitespace."""
    words = [t for k, t in tokens if k not in ("ws", "cm")]
    at = len(words) - 1 - words[::-1].index("@") if "@" in words else -1
    if at < 0:
        return "".join(words), ""
    return "".join(words[:at]), "".join(words[at + 1 :])


def _mailbox(tokens: list[Token]) -> Address | None:
    """One mailbox: ``phrase <[route:]local@domain>`` or ``local@domain``."""
    if not any(k != "ws" for k, _ in tokens):
        return None
    comment = next((t.strip() for k, t in tokens if k == "cm" and t.strip()), None)
    lt = next((i for i, (k, t) in enumerate(tokens) if k == "sp" and t == "<"), -1)
    adl: str | None = None
    if lt >= 0:
        name = _phrase(tokens[:lt])
        inner = tokens[lt + 1 :]
        gt = next((i for i, (k, t) in enumerate(inner) if k == "sp" and t == ">"), len(inner))
        inner = [tok for tok in inner[:gt] if tok[0] not in ("ws", "cm")]
        colon = next((i for i, (k, t) in enumerate(inner) if k == "sp" and t == ":"), -1)
        if colon >= 0 and inner and inner[0][1] == "@":
            adl = "".join(t for _, t in inner[:colon]) or None
            inner = inner[colon + 1 :]
        local, domain = _addr_spec(inner)
    else:
        name = None
        local, domain = _addr_spec(tokens)
    if name is None:
        name = comment
    if not local and not domain and name is None:
        return None
    return [name, adl, local, domain]


# Fast path for the common shapes ``Name <a@b>`` and ``a@b`` when the value
# has no quotes, comments, groups, routes or escapes.
_HARD = re.compile(r'["():;\\\[]')
_SIMPLE = re.compile(
    r"\s*(?:([^<>@,]*?)\s*<([^<>@\s,]+)@([^<>@\s,]+)>|([^<>@\s,]+)@([^<>@\s,]+))\s*\Z"
)


def _simple(value: str) -> list[Address] | None:
    out: list[Address] = []
    for item in value.split(","):
        if not item or item.isspace():
            continue
        m = _SIMPLE.match(item)
        if m is None:
            return None
        if m.group(2) is not None:
            name = " ".join(m.group(1).split()) or None
            out.append([name, None, m.group(2), m.group(3)])
        else:
            out.append([None, None, m.group(4), m.group(5)])
    return out


MAX_ADDRESS_HEADER = 256 * 1024


def parse_address_list(value: str | None) -> list[Address] | None:
    """Parse an address-list header value; None if absent or no address in it.

    Only the first :data:`MAX_ADDRESS_HEADER` characters are read (cut at a
    comma), which bounds the cost of absurd headers.
    """
    if value is None or not value.strip():
        return None
    if len(value) > MAX_ADDRESS_HEADER:
        cut = value.rfind(",", 0, MAX_ADDRESS_HEADER)
        value = value[: cut if cut > 0 else MAX_ADDRESS_HEADER]
    if _HARD.search(value) is None:
        fast = _simple(value)
        if fast is not None:
            return fast or None
    return _parse_general(value)


def _parse_general(value: str) -> list[Address] | None:
    """Full tokenizing parser (quotes, comments, groups, routes)."""
    out: list[Address] = []
    cur: list[Token] = []
    in_angle = False
    in_group = False

    def flush() -> None:
        addr = _mailbox(cur)
        if addr is not None:
            out.append(addr)
        cur.clear()

    for tok in tokenize(value):
        kind, text = tok
        if kind == "sp" and not in_angle:
            if text == ",":
                flush()
                continue
            if text == ":" and not in_group:
                out.append([None, None, _phrase(cur) or "", None])
                cur.clear()
                in_group = True
                continue
            if text == ";":
                flush()
                if in_group:
                    out.append([None, None, None, None])
                    in_group = False
                continue
        if kind == "sp":
            if text == "<":
                in_angle = True
            elif text == ">":
                in_angle = False
        cur.append(tok)
    flush()
    if in_group:
        out.append([None, None, None, None])
    return out or None


def first_mailbox(addrs: list[Address] | None) -> Address | None:
    """The first real address (group markers skipped)."""
    for a in addrs or ():
        if a[3] is not None:
            return a
    return None
