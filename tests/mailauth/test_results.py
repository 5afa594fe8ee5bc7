"""Authentication-Results (RFC 8601): the exact field we write, and forged fields removed."""

from __future__ import annotations

import pytest

from mailstore.mailauth.dkim import DKIMResult
from mailstore.mailauth.dmarc import DMARCResult
from mailstore.mailauth.results import (
    AuthResults,
    authentication_results_header,
    strip_forged_authentication_results,
)
from mailstore.mailauth.spf import SPFResult

PASS = AuthResults(
    spf=SPFResult("pass", "example.com", sender="alice@example.com"),
    dkim=(DKIMResult("pass", "example.com", "sel"),),
    dmarc=DMARCResult("pass", "example.com"),
)


def test_all_pass() -> None:
    assert authentication_results_header("mx.example.org", PASS) == (
        "Authentication-Results: mx.example.org;\r\n"
        "\tspf=pass smtp.mailfrom=alice@example.com;\r\n"
        "\tdkim=pass header.d=example.com header.s=sel;\r\n"
        "\tdmarc=pass header.from=example.com\r\n"
    )


def test_failures_helo_and_no_signature() -> None:
    results = AuthResults(
        spf=SPFResult("softfail", "mail.example.net", identity="helo", sender="mail.example.net"),
        dkim=(),
        dmarc=DMARCResult("fail", "example.com", policy="reject"),
    )
    assert authentication_results_header("mx.example.org", results) == (
        "Authentication-Results: mx.example.org;\r\n"
        "\tspf=softfail smtp.helo=mail.example.net;\r\n"
        "\tdkim=none;\r\n"
        "\tdmarc=fail header.from=example.com\r\n"
    )


def test_several_signatures_reasons_and_folding() -> None:
    results = AuthResults(
        spf=SPFResult("none", "example.com", sender="alice@example.com"),
        dkim=(
            DKIMResult("fail", "lists.example.net", "2024", reason="body hash did not verify"),
            DKIMResult("permerror", reason='bad "tag"\r\n'),
        ),
        dmarc=DMARCResult("permerror", reason="more than one From field"),
    )
    assert authentication_results_header("mx.example.org", results) == (
        "Authentication-Results: mx.example.org;\r\n"
        "\tspf=none smtp.mailfrom=alice@example.com;\r\n"
        '\tdkim=fail reason="body hash did not verify" header.d=lists.example.net\r\n'
        "\t  header.s=2024;\r\n"
        '\tdkim=permerror reason="bad \\"tag\\"";\r\n'
        '\tdmarc=permerror reason="more than one From field"\r\n'
    )


def test_nothing_checked() -> None:
    assert authentication_results_header("mx.example.org", AuthResults(spf=None)) == (
        "Authentication-Results: mx.example.org;\r\n\tdkim=none\r\n"
    )


def test_values_are_quoted_when_needed() -> None:
    results = AuthResults(spf=SPFResult("fail", "example.com", sender='"odd user"@example.com'))
    header = authentication_results_header("mx.example.org", results)
    assert 'smtp.mailfrom="\\"odd user\\"@example.com"' in header
    utf8 = AuthResults(spf=SPFResult("pass", "bücher.example", sender="jörg@bücher.example"))
    assert "smtp.mailfrom=jörg@bücher.example;" in authentication_results_header("mx", utf8)


# -- forged fields ------------------------------------------------------------------------------

BODY = b"\r\nAuthentication-Results: mx.example.org; spf=pass\r\nbody\r\n"


@pytest.mark.parametrize(
    "field",
    [
        b"Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=a@example.com\r\n",
        b"authentication-results: MX.Example.ORG; dkim=pass\r\n",
        b"Authentication-Results:mx.example.org;dkim=pass\r\n",
        b"Authentication-Results : mx.example.org; none\r\n",  # obs-FWS before the colon
        b"Authentication-Results: (forged) mx.example.org (really) 1; spf=pass\r\n",
        b'Authentication-Results: "mx.example.org"; spf=pass\r\n',
        b"Authentication-Results: mx.example.org.; spf=pass\r\n",
        b"Authentication-Results:\r\n  mx.example.org;\r\n  spf=pass\r\n\tdkim=pass\r\n",
    ],
)
def test_forged_fields_removed(field: bytes) -> None:
    top = b"Received: from a by b; Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    rest = b"From: a@example.com\r\nSubject: hi\r\n"
    raw = top + field + rest + BODY
    assert strip_forged_authentication_results(raw, "mx.example.org") == top + rest + BODY


def test_other_authserv_ids_and_everything_else_kept_byte_exact() -> None:
    raw = (
        b"Authentication-Results: mx.example.org.evil; spf=pass\r\n"
        b"Authentication-Results: other.example; spf=pass\r\n"
        b"X-Authentication-Results: mx.example.org; spf=pass\r\n"
        b"Subject:  odd   spacing \t\r\n"
        b" folded\r\n"
        b"Authentication-Results: mx.example.org; dkim=pass\r\n" + BODY
    )
    expected = raw.replace(b"Authentication-Results: mx.example.org; dkim=pass\r\n", b"", 1)
    assert strip_forged_authentication_results(raw, "MX.EXAMPLE.ORG") == expected


def test_lf_line_ends_and_no_body() -> None:
    raw = b"Subject: x\nAuthentication-Results: mx.example.org; spf=fail\n  smtp.mailfrom=a@b.c\nTo: y\n"
    assert strip_forged_authentication_results(raw, "mx.example.org") == b"Subject: x\nTo: y\n"
    assert (
        strip_forged_authentication_results(
            b"Authentication-Results: mx.example.org; none", "mx.example.org"
        )
        == b""
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n",
        b"no header at all",
        b" leading continuation\r\nAuthentication-Results: x; none\r\n\r\n",
        b"Authentication-Results:\r\n",
        b"Authentication-Results: (unclosed comment\r\n\r\n",
        b'Authentication-Results: "unclosed\r\n\r\n',
        b"\xff\x00: \xfe\r\n\r\nbody",
        BODY,
    ],
)
def test_nothing_to_remove(raw: bytes) -> None:
    assert strip_forged_authentication_results(raw, "mx.example.org") == raw
