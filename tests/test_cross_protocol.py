"""One mailbox, three protocols at once: what one front end changes, the others see."""

from __future__ import annotations

import asyncio
import imaplib
import poplib
import smtplib

from servers.imap import service as imap_service
from servers.pop3 import service as pop3_service
from servers.smtp import service as smtp_service

LOGIN, PASSWORD = "bob@example.org", "secret"


async def test_smtp_delivery_and_pop3_delete_seen_by_an_imap_session(server_context, account):
    smtp = smtp_service.create(server_context)
    imap = imap_service.create(server_context)
    pop3 = pop3_service.create(server_context)
    services = [*smtp, *imap, *pop3]
    for s in services:
        await s.start()
    try:
        smtp_port = smtp[0].ports["smtp"]
        imap_port = next(s.addresses[0][1] for s in imap if s.name == "imap")
        pop3_port = next(s.addresses[0][1] for s in pop3 if s.name == "pop3")

        def scenario() -> tuple[list[bytes], bytes, list[bytes]]:
            with smtplib.SMTP("127.0.0.1", smtp_port) as s:
                for i in range(3):
                    body = f"From: a@example.com\r\nSubject: m{i}\r\n\r\nbody {i}\r\n".encode()
                    s.sendmail("a@example.com", [LOGIN], body)
            m = imaplib.IMAP4("127.0.0.1", imap_port)
            m.login(LOGIN, PASSWORD)
            assert m.select("INBOX") == ("OK", [b"3"])
            pop = poplib.POP3("127.0.0.1", pop3_port)
            pop.user(LOGIN)
            pop.pass_(PASSWORD)
            assert pop.stat()[0] == 3
            pop.dele(2)
            pop.quit()  # +OK only once the expunge committed
            m.noop()
            expunged = list(m.untagged_responses.pop("EXPUNGE", []))
            _, data = m.search(None, "ALL")
            _, subjects = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            m.logout()
            return expunged, data[0], [p[1].strip() for p in subjects if isinstance(p, tuple)]

        expunged, remaining, subjects = await asyncio.to_thread(scenario)
        assert expunged == [b"2"]
        assert remaining == b"1 2"
        assert subjects == [b"Subject: m0", b"Subject: m2"]
    finally:
        for s in reversed(services):
            await s.stop()
