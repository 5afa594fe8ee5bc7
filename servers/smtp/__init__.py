"""SMTP front end: inbound MX, authenticated submission (587/465) and LMTP, on aiosmtpd.

Layers, as elsewhere in ``servers/``: pure code over bytes (``data``: the DATA decoder,
``headers``: trace and submission fields, ``replies``: reply constants), the session
(``protocol``: aiosmtpd's SMTP class with our overrides), the listener kinds (``handlers``),
and the runner service (``service``). The engine is reached only through ``mailstore.store``.
"""
