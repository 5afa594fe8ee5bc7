"""The outbound configuration in the form the workers use (``[queue]``, ``[dkim]``, ``[srs]``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from mailstore.config import Config, parse_hostport


@dataclass(frozen=True, slots=True)
class RelayHost:
    host: str
    port: int
    username: str
    password: str
    tls: str  # starttls | tls | may | none
    ca_file: str

    @property
    def is_loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"


@dataclass(frozen=True, slots=True)
class Settings:
    helo_name: str
    concurrency: int
    per_destination: int
    retry_first: timedelta
    retry_factor: float
    retry_max: timedelta
    lifetime: timedelta
    delay_warning: timedelta | None
    lease: timedelta
    poll_interval: float
    remote_port: int
    connect_timeout: float
    command_timeout: float
    data_timeout: float
    idle_timeout: float
    relayhost: RelayHost | None
    hide_client_ip: bool
    strip_mailer: bool
    reporting_mta: str

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        q = config.queue
        relay = None
        if q.relayhost:
            host, port = parse_hostport(q.relayhost, "queue.relayhost")
            ca_file = q.relayhost_ca_file
            if ca_file and not Path(ca_file).is_absolute():
                ca_file = str(config.home / ca_file)
            relay = RelayHost(
                host, port, q.relayhost_username, q.relayhost_password, q.relayhost_tls, ca_file
            )
        return cls(
            helo_name=q.helo_name or config.server.hostname,
            concurrency=q.concurrency,
            per_destination=q.per_destination,
            retry_first=timedelta(seconds=q.retry_first),
            retry_factor=q.retry_factor,
            retry_max=timedelta(seconds=q.retry_max),
            lifetime=timedelta(seconds=q.lifetime),
            delay_warning=timedelta(seconds=q.delay_warning) if q.delay_warning > 0 else None,
            lease=timedelta(seconds=q.lease),
            poll_interval=q.poll_interval,
            remote_port=q.remote_port,
            connect_timeout=q.connect_timeout,
            command_timeout=q.command_timeout,
            data_timeout=q.data_timeout,
            idle_timeout=q.idle_timeout,
            relayhost=relay,
            hide_client_ip=q.hide_client_ip,
            strip_mailer=q.strip_mailer,
            reporting_mta=config.server.hostname,
        )

    def backoff(self, attempts: int) -> timedelta:
        """Wait after the ``attempts``-th failed attempt: first, first*factor, ... up to max."""
        exponent = min(max(0, attempts - 1), 64)
        seconds = self.retry_first.total_seconds() * self.retry_factor**exponent
        return timedelta(seconds=min(seconds, self.retry_max.total_seconds()))
