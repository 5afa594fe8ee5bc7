"""The POP3 front end: RFC 1939 with CAPA (RFC 2449), UIDL, TOP, STLS (RFC 2595), SASL PLAIN
(RFC 5034) and response codes (RFC 2449, RFC 3206), serving each account's INBOX from the SQL
store.

Our own asyncio code: no maintained Python library serves POP3 (the standard library has only
the ``poplib`` client, and the asyncio server packages on PyPI are unmaintained toys), and the
protocol is small. The layers, as the IMAP server's:

``parse``      bytes line -> frozen command dataclass or a typed ``ParseError`` (pure)
``wire``       CRLF normalisation, octet counts, dot-stuffing, TOP slicing (pure)
``replies``    ``+OK``/``-ERR`` replies and RESP-CODES
``maildrop``   the message list fixed at login, deletion marks, locks, size cache (pure)
``backend``    the session's calls into the engine (listing, sizes, bodies, \\Seen, removal)
``state``      AUTHORIZATION | TRANSACTION | UPDATE as a sum type
``commands/``  one handler per command; ``dispatch`` maps each command to (handler, states)
``connection`` line reading with limits and idle timeout, STLS upgrade over asyncio streams
``session``    the command loop and the mapping of errors to replies
``service``    the listeners (``create(context)`` for ``servers.runner``)
"""
