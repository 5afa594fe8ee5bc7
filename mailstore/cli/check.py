"""``mailstore check [--no-dns]``: is this installation ready to run? One line per check
(ok / warn / error, with the fix under it); exit 1 on any error. The checks are the engine's
(``mailstore/ops/health.py``).
"""

from __future__ import annotations

import argparse

from rich.text import Text

from mailstore.cli.common import config_from_args, console
from mailstore.config import ConfigError
from mailstore.ops.health import CheckLine, check_all

STYLES = {"ok": "green", "warn": "yellow", "error": "red"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check", help="check configuration, database, TLS certificate, listeners and DNS"
    )
    p.add_argument("--no-dns", action="store_true", help="skip the DNS records check")
    p.set_defaults(func=check_command)


async def check_command(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except ConfigError as exc:
        lines = [CheckLine("config", "error", str(exc))]
    else:
        lines = await check_all(config, dns=not args.no_dns)
    for line in lines:
        text = Text()
        text.append(f"{line.level:<6}", style=STYLES[line.level])
        text.append(f"{line.area:<10} {line.message}")
        console.print(text, markup=False, highlight=False, soft_wrap=True)
        if line.fix and line.level != "ok":
            console.print(
                f"{'':16}fix: {line.fix}".replace("\n", "\n" + " " * 21),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    errors = sum(line.level == "error" for line in lines)
    warnings = sum(line.level == "warn" for line in lines)
    console.print(f"{errors} error(s), {warnings} warning(s)", markup=False, highlight=False)
    return 1 if errors else 0
