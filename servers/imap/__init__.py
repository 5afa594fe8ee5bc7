"""The IMAP front end: IMAP4rev1 (RFC 3501) and IMAP4rev2 (RFC 9051) over the SQL store.

Why this is our own code: no maintained asyncio IMAP *server* library exists for Python
(Twisted's ``imap4`` is the counter-example named in STYLE.md; aioimaplib is a client), and
the server's interesting work -- sequence numbers as session state over a database that other
processes change, SEARCH as one SQL query, IDLE fed by one LISTEN connection -- is exactly
what a generic library would get in the way of.

Layers, each with its own tests:

``wire/``        framing of client input (literals, limits) and response encoding (pure)
``parse/``       one frozen dataclass per command (pure)
``commands/``    one module per command group; ``dispatch.py`` the one table of them
``session.py``   the connection's state machine (``state.py``) and command loop
``view.py``      the selected mailbox as a session sees it: the UID list, \\Recent, modseq,
                 and the untagged EXISTS / EXPUNGE / VANISHED / FETCH updates (RFC 9051 §7)
``criteria.py``  SEARCH keys -> the engine's criteria tree (one SQL query per SEARCH)
``sections.py``, ``fetch_items.py``, ``threading.py``  pure helpers of FETCH and THREAD
``engine.py``    the engine API names this package uses (the storage seam)
``transport.py`` the socket with STARTTLS and COMPRESS; ``service.py`` the listeners
"""
