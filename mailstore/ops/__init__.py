"""Operator tooling in the engine: the DNS records a hosted domain needs (``dnsrecords``), their
check against the live DNS (``dnscheck``, ``spflookups``), and the health checks behind
``mailstore check`` (``health``, ``certcheck``, ``dbcheck``, ``listenercheck``).

The CLI modules (``mailstore/cli/dnscmd.py``, ``mailstore/cli/check.py``) only format what these
return.
"""
