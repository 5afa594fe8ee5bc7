"""The outbound MTA: queue workers that deliver queued mail over SMTP (DESIGN principle 8).

* ``worker``: claim due recipients with a lease, run delivery lanes per destination, record
  results (``QueueRunner``, ``run_workers``).
* ``attempt``: one delivery attempt (remote over SMTP, or local for our own domains).
* ``policy``: retry schedule, expiry, which DSNs go out.
* ``mx``: MX selection (RFC 5321 §5.1, RFC 7505); ``smtpclient``: connections, STARTTLS, AUTH.
* ``dsn``: RFC 3464 reports; ``srs``: Sender Rewriting Scheme; ``signing``: DKIM keys and
  policy; ``privacy``: header scrubbing of submitted mail.

The queue tables and their SQL live in ``mailstore/store/queue.py``.
"""

from mailstore.outbound.worker import QueueRunner, run_workers

__all__ = ["QueueRunner", "run_workers"]
