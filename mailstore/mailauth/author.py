"""Is an RFC5322.From field ambiguous about its author domain? (CVE-2023-27043 class)

DMARC evaluates one domain, the one after the ``@`` of the From address (RFC 7489 §6.6.1);
the reader sees whatever their mail program makes of the field. The ENVELOPE parser
(:mod:`mailstore.message.address`) is lenient on purpose, and a lenient reading of a malformed
field picks one domain where a mail program may show another: in
``alice@bank.example <evil@attacker.example>`` or ``alice@bank.example@attacker.example`` it
takes attacker.example, whose SPF/DKIM the attacker controls, while ``alice@bank.example`` is
what is displayed. Python's ``email.utils.getaddresses`` had the same confusion
(CVE-2023-27043).

So, before DMARC trusts the lenient parse, :func:`ambiguity` reads the field strictly at the
level that matters: quoted strings and comments set aside (an ``@`` there is display text), every
mailbox must hold exactly one ``@`` outside them, inside its one ``<...>`` if it has one, and
nothing may follow the ``>``. Anything else makes the author domain unknown (DMARC
``permerror``), never a guess.
"""

from __future__ import annotations

from mailstore.message.address import tokenize


def ambiguity(field: str) -> str | None:
    """Why ``field`` (an unfolded From value) has no single reading; None when it has one."""
    if any(c == "\x7f" or (c < " " and c not in "\t\r\n") for c in field):
        return "control character in From"
    # A quoted string stays as a '"' placeholder: display text before the address, a local part
    # before its "@", but never part of a domain.
    words = [(kind, '"' if kind == "qs" else text) for kind, text in tokenize(field)]
    words = [(kind, text) for kind, text in words if kind not in ("ws", "cm")]
    mailbox: list[str] = []
    in_angle = in_group = False
    for kind, text in words:
        special = text if kind == "sp" else ""
        if not in_angle and special in (",", ";", ":"):
            if special == ":":  # a group's display name (RFC 5322 §3.4)
                if in_group or "@" in mailbox:
                    return "malformed group in From"
                in_group = True
            elif (reason := _mailbox(mailbox)) is not None:
                return reason
            elif special == ";":
                in_group = False
            mailbox = []
            continue
        if special == "<":
            in_angle = True
        elif special == ">":
            in_angle = False
        mailbox.append(special or text)
    if in_angle:
        return "unterminated <...> in From"
    return _mailbox(mailbox)


def _mailbox(tokens: list[str]) -> str | None:
    """One mailbox: specials, atoms and '"' for each quoted string (None: unambiguous)."""
    if not tokens:
        return None
    if "<" in tokens:
        lt = tokens.index("<")
        if "@" in tokens[:lt]:
            return "address outside <...> in From"
        if ">" not in tokens or tokens.count("<") > 1:
            return "more than one <...> in From"
        gt = tokens.index(">")
        if tokens[gt + 1 :]:
            return "text after <...> in From"
        inner = tokens[lt + 1 : gt]
        if inner[:1] == ["@"] and ":" in inner:  # obsolete source route (RFC 5322 §4.4)
            inner = inner[inner.index(":") + 1 :]
        tokens = inner
    if tokens.count("@") != 1 or ">" in tokens:
        return "not one @ in a From address"
    if '"' in tokens[tokens.index("@") :]:
        return "quoted text in a From domain"
    return None
