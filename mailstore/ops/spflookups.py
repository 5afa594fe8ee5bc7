"""How many DNS lookups an SPF record costs, counted as RFC 7208 §4.6.4 counts them.

A receiver stops with ``permerror`` after 10 terms that query the DNS: the mechanisms
``include``, ``a``, ``mx``, ``ptr``, ``exists`` and the ``redirect`` modifier, counted through
every included and redirected record. Providers' ``include:`` records nest, so a record that
looks short can need more than 10: this walks them with the configured resolver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dns.asyncresolver

from mailstore import dns as mdns

#: RFC 7208 §4.6.4.
LOOKUP_LIMIT = 10
#: Stop walking past this many (the answer is "too many" either way; bounds our queries).
WALK_LIMIT = 3 * LOOKUP_LIMIT
#: Mechanisms that cost one lookup each (RFC 7208 §4.6.4).
_COUNTED = ("a", "mx", "ptr", "exists")


@dataclass
class LookupCount:
    """The lookups a record needs, and what went wrong following its includes."""

    lookups: int = 0
    #: One line per include/redirect that could not be followed (each a permerror or unknown).
    problems: list[str] = field(default_factory=list)
    #: True when the walk stopped at :data:`WALK_LIMIT`.
    truncated: bool = False


def spf_records(texts: list[str]) -> list[str]:
    """The SPF records among a name's TXT records (RFC 7208 §4.5: ``v=spf1`` then space/end)."""
    return [t for t in texts if t.lower() == "v=spf1" or t.lower().startswith("v=spf1 ")]


def terms(record: str) -> list[str]:
    """The terms after ``v=spf1``."""
    return record.split()[1:]


def all_qualifier(record: str) -> str | None:
    """The qualifier of the ``all`` mechanism ("+", "-", "~", "?"), or None without one."""
    for term in terms(record):
        lowered = term.lower()
        if lowered in ("all", "+all", "-all", "~all", "?all"):
            return "+" if lowered == "all" else lowered[0]
    return None


async def count_lookups(
    resolver: dns.asyncresolver.Resolver, domain: str, record: str
) -> LookupCount:
    """The RFC 7208 §4.6.4 lookup count of ``record`` (published at ``domain``)."""
    count = LookupCount()
    await _walk(resolver, domain.lower(), record, count, {domain.lower()})
    return count


async def _walk(
    resolver: dns.asyncresolver.Resolver,
    domain: str,
    record: str,
    count: LookupCount,
    seen: set[str],
) -> None:
    has_all = all_qualifier(record) is not None
    for term in terms(record):
        if count.lookups > WALK_LIMIT:
            count.truncated = True
            return
        body = term.lstrip("+-~?").lower()
        name, sep, target = _split(body)
        if name in _COUNTED:
            count.lookups += 1
        elif name == "include" and sep == ":":
            count.lookups += 1
            await _follow(resolver, f"include:{target}", target, count, seen)
        elif name == "redirect" and sep == "=" and not has_all:
            # RFC 7208 §6.1: redirect is ignored when the record has an "all" mechanism.
            count.lookups += 1
            await _follow(resolver, f"redirect={target}", target, count, seen)


def _split(body: str) -> tuple[str, str, str]:
    """``include:x`` -> ("include", ":", "x"); ``a/24`` -> ("a", "", ""); ``redirect=x``."""
    for i, c in enumerate(body):
        if c in ":=/":
            return body[:i], (c if c != "/" else ""), (body[i + 1 :] if c != "/" else "")
    return body, "", ""


async def _follow(
    resolver: dns.asyncresolver.Resolver,
    term: str,
    target: str,
    count: LookupCount,
    seen: set[str],
) -> None:
    if "%" in target:
        return  # a macro (RFC 7208 §7) expands per message: counted once, not followed
    target = target.rstrip(".")
    if target in seen:  # ``seen`` holds the chain of includes above this one
        count.problems.append(f"{term}: loops back to a record that includes it")
        return
    try:
        records = spf_records(await mdns.txt(resolver, target))
    except mdns.DNSNotFound:
        records = []
    except mdns.DNSTempError as exc:
        count.problems.append(f"{term}: not checked ({exc})")
        return
    if len(records) != 1:
        what = "no SPF record" if not records else f"{len(records)} SPF records"
        count.problems.append(f"{term}: {target} has {what} (permerror, RFC 7208 §5.2)")
        return
    await _walk(resolver, target, records[0], count, seen | {target})
