"""Fixtures shared with the SMTP and outbound tests: the loopback DNS responder, loopback
remote MXes, the queue runner on a test clock."""

from tests.mailauth.conftest import dns_server, resolver, shared_dns_server  # noqa: F401
from tests.outbound.conftest import clock, make_config, remotes, runner, zone  # noqa: F401
