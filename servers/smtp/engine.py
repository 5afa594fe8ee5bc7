"""The part of the engine API the SMTP front end uses, imported in one place.

Everything below comes from ``mailstore`` (typed async services and domain errors, never SQL:
``servers/ruff.toml`` bans asyncpg and sqlalchemy here). Keeping the imports in this module
shows at a glance what SMTP depends on, and keeps the other modules' import blocks free of the
first-party/third-party ambiguity between the two ruff configurations (see the SMTP note).
"""

from mailstore.addresses import has_control_character, normalize_address
from mailstore.config import Config, parse_hostport
from mailstore.dns import make_resolver
from mailstore.errors import InvalidArgument, MailstoreError, NotFound, OverQuota, Temporary
from mailstore.mailauth.check import check_message
from mailstore.mailauth.results import (
    AuthResults,
    authentication_results_header,
    strip_forged_authentication_results,
)
from mailstore.mailauth.spf import check_mail_from
from mailstore.store import Account, Incoming, OutboundCopy, Store, Stored, Target, prepare
from mailstore.store.maillog import AuthSummary, Reception

__all__ = [
    "Account",
    "AuthResults",
    "AuthSummary",
    "Config",
    "Incoming",
    "InvalidArgument",
    "MailstoreError",
    "NotFound",
    "OutboundCopy",
    "OverQuota",
    "Reception",
    "Store",
    "Stored",
    "Target",
    "Temporary",
    "authentication_results_header",
    "check_mail_from",
    "check_message",
    "has_control_character",
    "make_resolver",
    "normalize_address",
    "parse_hostport",
    "prepare",
    "strip_forged_authentication_results",
]
