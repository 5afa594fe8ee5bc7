"""``mailstore check``: every health check in order, each outcome one :class:`CheckLine`.

The configuration has loaded by the time these run (a :class:`ConfigError` is the CLI's first
error line). Then: the listeners (``listenercheck``), the TLS certificate (``certcheck``), the
database (``dbcheck``) and, unless skipped, the DNS records of every hosted domain
(``dnshealth``: the same check as ``mailstore dns --check``).
"""

from __future__ import annotations

from mailstore.config import Config
from mailstore.ops.certcheck import check_certificate
from mailstore.ops.checkline import CheckLine, Level
from mailstore.ops.dbcheck import check_database
from mailstore.ops.dnshealth import check_hosted_domains
from mailstore.ops.listenercheck import check_listeners

__all__ = ["CheckLine", "Level", "check_all"]


async def check_all(config: Config, *, dns: bool = True) -> list[CheckLine]:
    """Run every check for ``config``, in the order they are printed."""
    lines = [CheckLine("config", "ok", f"configuration loaded (home {config.home})")]
    lines += check_listeners(config)
    lines += check_certificate(config)
    db_lines, url = await check_database(config)
    lines += db_lines
    if not dns:
        lines.append(CheckLine("dns", "ok", "skipped (--no-dns)"))
    elif url is None:
        lines.append(CheckLine("dns", "warn", "not checked: the database is not usable"))
    else:
        lines += await check_hosted_domains(config, url)
    return lines
