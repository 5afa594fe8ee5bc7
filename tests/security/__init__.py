"""Hostile-input suite (issue 9): exact bytes in, exact behaviour out, real front ends.

* test_smtp_smuggling: bare CR/LF end-of-data shapes under both ``bare_line_endings``
  settings; input pipelined after DATA before its 354 (RFC 2920 §3.1).
* test_starttls_injection: commands pipelined after STARTTLS/STLS (SMTP, IMAP, POP3).
* test_open_relay: relay tricks on the MX (quoted local parts, ``%``, ``!``, source routes,
  address literals, trailing dots, case, IDN).
* test_sender_spoofing: submission MAIL FROM / From: ownership, control characters in
  addresses, DMARC author domain of ambiguous From fields (CVE-2023-27043 class).
* test_smtp_limits, test_imap_input, test_imap_names, test_pop3_input: over-long and endless
  lines, NUL and control characters, SIZE, recipients, literals, nesting, mailbox names.
* test_imap_isolation: other users' and domains' mailboxes answer like missing ones.
* test_imap_compress, test_mime_bombs, test_header_injection: decompression bombs, MIME bombs
  through SMTP then IMAP, encoded-word header injection when we re-serialise.
* test_memory: RSS growth of a ``mailstore serve`` subprocess under the big inputs.
"""
