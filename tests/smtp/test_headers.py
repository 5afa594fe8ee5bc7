"""Received, Date/Message-ID and From: helpers (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from servers.smtp.headers import (
    TLSInfo,
    address_literal,
    field_names,
    field_values,
    from_addresses,
    protocol_keyword,
    received_field,
    submission_fields,
)

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_received_field_plain_and_tls():
    plain = received_field(
        helo="client.example.net",
        client_ip="192.0.2.1",
        by="mx.example.org",
        protocol="ESMTP",
        message_id="ABC",
        recipient="bob@example.org",
        now=NOW,
    )
    assert plain == (
        b"Received: from client.example.net ([192.0.2.1])\r\n"
        b"\tby mx.example.org (mailstore) with ESMTP id ABC\r\n"
        b"\tfor <bob@example.org>; Tue, 02 Jan 2024 03:04:05 +0000\r\n"
    )
    tls = received_field(
        helo=None,
        client_ip="2001:db8::1",
        by="mx.example.org",
        protocol="ESMTPS",
        message_id="ABC",
        tls=TLSInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256),
        now=NOW,
    )
    assert tls == (
        b"Received: from unknown ([IPv6:2001:db8::1])\r\n"
        b"\tby mx.example.org (mailstore) with ESMTPS id ABC\r\n"
        b"\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits));\r\n"
        b"\tTue, 02 Jan 2024 03:04:05 +0000\r\n"
    )


def test_received_helo_cannot_inject():
    field = received_field(
        helo="evil); by x; (\x07",
        client_ip="192.0.2.1",
        by="mx",
        protocol="SMTP",
        message_id="A",
        now=NOW,
    )
    assert field.startswith(b"Received: from evil___by_x____ ([192.0.2.1])\r\n")


@pytest.mark.parametrize(
    ("kwargs", "keyword"),
    [
        ({"lmtp": False, "extended": False, "tls": False, "authenticated": False}, "SMTP"),
        ({"lmtp": False, "extended": True, "tls": False, "authenticated": False}, "ESMTP"),
        ({"lmtp": False, "extended": True, "tls": True, "authenticated": True}, "ESMTPSA"),
        ({"lmtp": True, "extended": True, "tls": False, "authenticated": False}, "LMTP"),
        (
            {"lmtp": False, "extended": True, "tls": True, "authenticated": False, "utf8": True},
            "UTF8SMTPS",
        ),
    ],
)
def test_protocol_keyword(kwargs, keyword):
    kwargs.setdefault("utf8", False)
    assert protocol_keyword(**kwargs) == keyword


def test_address_literal():
    assert address_literal("127.0.0.1") == "[127.0.0.1]"
    assert address_literal("::ffff:192.0.2.1") == "[192.0.2.1]"
    assert address_literal("fe80::1%eth0") == "[IPv6:fe80::1]"
    assert address_literal("nonsense") == "[unknown]"


def test_field_helpers_read_only_the_header():
    raw = (
        b"From: Alice <alice@example.com>,\r\n\tbob@example.org\r\nSubject: hi\r\n"
        b"\r\nDate: in the body\r\nMessage-ID: <body@x>\r\n"
    )
    assert field_names(raw) == {"from", "subject"}
    assert field_values(raw, "from") == ["Alice <alice@example.com>,\tbob@example.org"]
    assert from_addresses(raw) == ["alice@example.com", "bob@example.org"]


def test_submission_fields():
    raw = b"From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n"
    added = submission_fields(raw, "mx.example.org", now=1704164645.0)
    assert added.startswith(b"Date: Tue, 02 Jan 2024 03:04:05 +0000\r\nMessage-ID: <1704164645.")
    assert added.endswith(b"@mx.example.org>\r\n")
    complete = b"Date: x\r\nmessage-id: <y>\r\n\r\n"
    assert submission_fields(complete, "mx.example.org") == b""
    assert submission_fields(b"\r\nbody only\r\n", "h").count(b"\r\n") == 2
