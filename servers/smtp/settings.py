"""SMTP server settings, read from the configuration with safe defaults.

``mailstore.config`` has no ``[smtp]`` section yet; until it does, :meth:`SMTPSettings.from_config`
uses the defaults below for everything except the host name and message size limit (taken from
``[server] hostname`` and ``[limits] message_size``). Once a ``smtp`` section exists, its fields
of the same names override the defaults.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from servers.smtp.data import LineEndings


@dataclass(frozen=True)
class SMTPSettings:
    hostname: str = "localhost"
    message_size: int = 50 * 1024 * 1024
    #: RFC 5321 §4.5.3.1.8 asks for at least 100.
    max_recipients: int = 100
    #: A bare CR or LF in DATA: "reject" (550 5.6.0) or "normalise" to CRLF.
    bare_line_endings: LineEndings = LineEndings.REJECT
    #: Over quota: 452 4.2.2 (temporary, default) or 552 5.2.2.
    quota_permanent: bool = False
    #: Reject SPF "fail" at MAIL FROM on the MX (550 5.7.23).
    spf_reject: bool = False
    #: Honour DMARC p=reject (550 5.7.1) and p=quarantine (file into Junk).
    dmarc_reject: bool = True
    dmarc_quarantine: bool = True
    max_connections: int = 1000
    max_connections_per_address: int = 50
    #: RFC 5321 §4.5.3.2.7: the server waits 5 minutes for the next command.
    command_timeout: float = 300.0
    #: RFC 5321 §4.5.3.2.5: 3 minutes for each chunk of DATA.
    data_timeout: float = 180.0

    @classmethod
    def from_config(cls, config: Any) -> SMTPSettings:
        values: dict[str, Any] = {
            "hostname": config.server.hostname,
            "message_size": config.limits.message_size,
        }
        section = getattr(config, "smtp", None)
        if section is not None:
            for f in dataclasses.fields(cls):
                if hasattr(section, f.name):
                    values[f.name] = getattr(section, f.name)
        values["bare_line_endings"] = LineEndings(
            str(values.get("bare_line_endings", cls.bare_line_endings))
        )
        return cls(**values)
