"""Reading the report views as a SQL user would, and messages with known sizes and parts."""

from __future__ import annotations

from datetime import date
from typing import Any

from mailstore.store import Store


async def view(store: Store, name: str, where: str = "", order: str = "1") -> list[tuple[Any, ...]]:
    """Every row of ``report.<name>`` (optionally filtered), as plain tuples in ``order``."""
    sql = f"SELECT * FROM report.{name}"
    if where:
        sql += f" WHERE {where}"
    rows = await store.db.fetch(f"{sql} ORDER BY {order}")
    return [tuple(r.values()) for r in rows]


async def log_day(store: Store) -> date:
    """The UTC day of the (single) day the test's log rows were written."""
    days = await store.db.fetch(
        "SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date AS d FROM received_log"
    )
    assert len(days) == 1
    return days[0]["d"]


def plain(subject: str, sender: str = "alice@sender.test", body: str = "Hello.\r\n") -> bytes:
    return (
        f"From: Alice <{sender}>\r\nTo: bob@example.org\r\nSubject: {subject}\r\n"
        f"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\nMessage-ID: <{subject}@sender.test>\r\n"
        f"\r\n{body}"
    ).encode()


PDF = "JVBERi0xLjQK" * 10  # 120 base64 octets
PNG = "iVBORw0KGgo=" * 5  # 60


def with_attachments(subject: str) -> bytes:
    """multipart/mixed: text, a PDF attachment (120 octets) and a named inline PNG (60)."""
    return (
        "From: Alice <alice@sender.test>\r\nTo: bob@example.org\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{subject}@sender.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        "--b1\r\nContent-Type: application/PDF\r\nContent-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="a.pdf"\r\n\r\n'
        f"{PDF}\r\n"
        '--b1\r\nContent-Type: image/png; name="logo.png"\r\n'
        "Content-Transfer-Encoding: base64\r\nContent-Disposition: inline\r\n\r\n"
        f"{PNG}\r\n"
        "--b1--\r\n"
    ).encode()
