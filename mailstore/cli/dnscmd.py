"""``mailstore dns DOMAIN [--check]``: the DNS records a hosted domain needs, and whether the
DNS has them. The records and the check are the engine's (``mailstore/ops/``); this module
parses arguments and prints.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from rich.text import Text

from mailstore.cli.common import config_from_args, console, opened_store
from mailstore.config import Config
from mailstore.dns import make_resolver
from mailstore.errors import NotFound
from mailstore.ops.dnscheck import Finding, check_domain
from mailstore.ops.dnsrecords import DomainPlan, Record, build_records, mta_sts_policy, plan_for

#: Colour of each finding status on a terminal.
STYLES = {
    "ok": "green",
    "note": "cyan",
    "warning": "yellow",
    "missing": "red",
    "different": "red",
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("dns", help="DNS records to publish for a domain (--check: are they?)")
    p.add_argument("domain", help="a hosted domain (mailstore domain add)")
    p.add_argument("--check", action="store_true", help="query the DNS and report each record")
    p.add_argument("--mta-sts", action="store_true", help="include MTA-STS (RFC 8461)")
    p.add_argument("--tls-rpt", action="store_true", help="include TLS-RPT (RFC 8460)")
    p.add_argument(
        "--ip",
        action="append",
        default=[],
        metavar="ADDR",
        help="public address mail leaves from (repeatable): SPF ip4:/ip6:, A/AAAA, PTR",
    )
    p.add_argument(
        "--no-send",
        action="store_true",
        help="the domain sends no mail: SPF -all, DMARC p=reject, no DKIM",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=dns_command)


async def dns_command(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    plan = plan_for(
        config,
        args.domain,
        addresses=args.ip,
        mta_sts=args.mta_sts,
        tls_rpt=args.tls_rpt,
        sends_mail=not args.no_send,
    )
    await require_hosted(config, plan.domain)
    records = build_records(plan)
    findings = await check_domain(make_resolver(config.dns), plan) if args.check else None
    if args.format == "json":
        print_json(plan, records, findings)
    else:
        print_records(plan, records)
        if findings is not None:
            console.print()
            print_findings(findings)
    return 1 if findings and any(f.failing for f in findings) else 0


async def require_hosted(config: Config, domain: str) -> None:
    """Raise :class:`NotFound` unless ``domain`` is in the directory."""
    async with opened_store(config) as store:
        if not await store.directory.is_local_domain(domain):
            raise NotFound(f"no domain {domain} here (mailstore domain add {domain})")


def _say(text: str | Text) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def print_records(plan: DomainPlan, records: Sequence[Record]) -> None:
    """Zone-file lines, each after a ``;`` comment saying what it does."""
    _say(f"; DNS records for {plan.domain} (mail host {plan.hostname})")
    for record in records:
        _say(f"; {record.kind}: {record.comment}")
        _say(record.zone_line())
    if plan.mta_sts:
        url = f"https://mta-sts.{plan.domain}/.well-known/mta-sts.txt"
        _say(f"; MTA-STS policy to serve at {url} (mta-sts.{plan.domain} needs a certificate):")
        for line in mta_sts_policy(plan.hostname, plan.mta_sts_mode).splitlines():
            _say(f";   {line}")


def print_findings(findings: Sequence[Finding]) -> None:
    """One line per finding, then its fix indented."""
    for finding in findings:
        line = Text()
        line.append(f"{finding.status:<9}", style=STYLES[finding.status])
        line.append(f" {finding.kind:<8} {finding.name}: {finding.message}")
        _say(line)
        for fix in finding.fix.splitlines() if finding.status != "ok" else []:
            _say(f"          fix: {fix}")
    failing = sum(f.failing for f in findings)
    _say("all records ok" if not failing else f"{failing} problem(s) to fix")


def print_json(
    plan: DomainPlan, records: Sequence[Record], findings: Sequence[Finding] | None
) -> None:
    document = {
        "domain": plan.domain,
        "hostname": plan.hostname,
        "records": [
            {
                "kind": r.kind,
                "name": r.name,
                "type": r.rtype,
                "value": r.value,
                "zone_line": r.zone_line(),
                "comment": r.comment,
            }
            for r in records
        ],
        "mta_sts_policy": mta_sts_policy(plan.hostname, plan.mta_sts_mode)
        if plan.mta_sts
        else None,
        "findings": None
        if findings is None
        else [
            {"kind": f.kind, "name": f.name, "status": f.status, "message": f.message, "fix": f.fix}
            for f in findings
        ],
        "ok": None if findings is None else not any(f.failing for f in findings),
    }
    _say(json.dumps(document, indent=2))
