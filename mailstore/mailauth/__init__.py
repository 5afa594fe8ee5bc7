"""Sender authentication of inbound mail: SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489),
and the Authentication-Results header field that reports them (RFC 8601).

One module per concern; :func:`check_message` runs them all for the SMTP front end.
DNS goes through :mod:`mailstore.dns` (the configured resolver).
"""

from mailstore.mailauth.check import check_message
from mailstore.mailauth.dkim import (
    DKIMResult,
    DKIMSignError,
    public_key_record,
    sign,
    verify_message,
)
from mailstore.mailauth.dmarc import DMARCRecord, DMARCResult, check_dmarc
from mailstore.mailauth.results import (
    AuthResults,
    authentication_results_header,
    strip_forged_authentication_results,
)
from mailstore.mailauth.spf import SPFResult, check_helo, check_mail_from

__all__ = [
    "AuthResults",
    "DKIMResult",
    "DKIMSignError",
    "DMARCRecord",
    "DMARCResult",
    "SPFResult",
    "authentication_results_header",
    "check_dmarc",
    "check_helo",
    "check_mail_from",
    "check_message",
    "public_key_record",
    "sign",
    "strip_forged_authentication_results",
    "verify_message",
]
