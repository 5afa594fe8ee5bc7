"""``mailstore check``: the DNS check of ``mailstore dns --check`` for every hosted domain."""

from __future__ import annotations

from mailstore.config import Config, ConfigError
from mailstore.dns import make_resolver
from mailstore.errors import InvalidArgument
from mailstore.ops.checkline import CheckLine, Level
from mailstore.ops.dnscheck import Finding, check_domain
from mailstore.ops.dnsrecords import plan_for
from mailstore.store import Store

#: How a DNS finding counts in ``mailstore check``.
LEVELS: dict[str, Level] = {
    "ok": "ok",
    "note": "ok",
    "warning": "warn",
    "missing": "error",
    "different": "error",
}


async def check_hosted_domains(config: Config, url: str) -> list[CheckLine]:
    store = await Store.open(
        url, min_size=1, max_size=1, enforce_durability=not config.database.unsafe_durability
    )
    try:
        domains = [d.name for d in await store.directory.list_domains()]
    finally:
        await store.close()
    if not domains:
        return [CheckLine("dns", "warn", "no hosted domains", "mailstore domain add DOMAIN")]
    try:
        resolver = make_resolver(config.dns)
    except ConfigError as exc:
        return [CheckLine("dns", "error", str(exc))]
    lines = []
    for domain in domains:
        try:
            plan = plan_for(config, domain)
        except (InvalidArgument, ConfigError) as exc:
            return [CheckLine("dns", "error", str(exc))]
        lines += [_line(domain, f) for f in await check_domain(resolver, plan)]
    return lines


def _line(domain: str, finding: Finding) -> CheckLine:
    message = f"{domain} {finding.kind} {finding.name}: {finding.message}"
    return CheckLine("dns", LEVELS[finding.status], message, finding.fix)
