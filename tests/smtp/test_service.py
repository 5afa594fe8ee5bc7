"""The runner entry point: ``create(context)``, start lines, shutdown."""

from __future__ import annotations

from servers.smtp import service as smtp_service_module
from servers.smtp.checks import MailAuthChecks
from tests.smtp.helpers import Transcript


async def test_create_is_the_runner_entry_point(server_context, account):
    (service,) = smtp_service_module.create(server_context)
    assert isinstance(service.checks, MailAuthChecks)  # inbound checks on by default
    lines = await service.start()
    try:
        assert [line.split(" listening on ")[0] for line in lines] == [
            "SMTP (MX)",
            "SMTP submission (STARTTLS)",
            "SMTP submissions (implicit TLS)",
            "LMTP",
        ]
        assert all(line.split(" listening on ")[1].startswith("127.0.0.1:") for line in lines)
    finally:
        await service.stop()


async def test_shutdown_closes_sessions(server_context, account):
    (service,) = smtp_service_module.create(server_context)
    await service.start()
    t = await Transcript.open(service.ports["smtp"])
    await service.stop()
    assert (await t.reply())[-1].startswith("421 4.3.2")
    await t.close()
