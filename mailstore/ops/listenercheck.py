"""``mailstore check``: the listeners of ``[listeners]`` make a sensible set.

The config loader has already parsed each ``host:port``. Here: at least one is enabled, no two
share an address, and a listener reachable from other machines does not run on the
self-signed certificate (clients could not verify it, RFC 8314 §4.1 / RFC 7672).
"""

from __future__ import annotations

import dataclasses
import ipaddress

from mailstore.config import Config, parse_hostport
from mailstore.ops.checkline import CheckLine


def check_listeners(config: Config) -> list[CheckLine]:
    enabled = {
        f.name: getattr(config.listeners, f.name)
        for f in dataclasses.fields(config.listeners)
        if getattr(config.listeners, f.name)
    }
    if not enabled:
        return [CheckLine("listeners", "error", "every listener is disabled", "set [listeners]")]
    lines = []
    seen: dict[tuple[str, int], str] = {}
    public = []
    for name, value in enabled.items():
        host, port = parse_hostport(value, f"listeners.{name}")
        if port and (host, port) in seen:
            lines.append(
                CheckLine(
                    "listeners",
                    "error",
                    f"listeners.{seen[(host, port)]} and listeners.{name} are both {value}",
                    "give each listener its own port",
                )
            )
        seen[(host, port)] = name
        if not _loopback(host):
            public.append(name)
    shown = ", ".join(f"{name} {value}" for name, value in enabled.items())
    lines.insert(0, CheckLine("listeners", "ok", shown))
    if public and not (config.tls.cert and config.tls.key):
        lines.append(
            CheckLine(
                "listeners",
                "warn",
                f"{', '.join(public)} listen beyond loopback with a self-signed certificate",
                "set tls.cert and tls.key",
            )
        )
    return lines


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
