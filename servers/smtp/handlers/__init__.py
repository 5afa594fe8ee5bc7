"""Listener kinds: MX (inbound), submission (authenticated users) and LMTP (from another MTA)."""

from servers.smtp.handlers.lmtp import LMTPHandler
from servers.smtp.handlers.mx import MXHandler
from servers.smtp.handlers.submission import SubmissionHandler

__all__ = ["LMTPHandler", "MXHandler", "SubmissionHandler"]
