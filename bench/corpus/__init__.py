"""A deterministic, realistic email corpus for benchmarks and tests (stdlib only).

``generate(count, seed)`` lazily yields :class:`CorpusMessage` objects. For the same
arguments the bytes are identical on every run and every Python >= 3.11: the only source
of randomness is one ``random.Random(seed)``, drawn from with ``random()`` and
``getrandbits()`` only (CPython keeps both stable), never ``hash()`` ordering or the clock.
Message *i* depends on ``count`` only through its timestamps: the corpus always spans
about three years, so the step between two internal dates is ``3 years / count``.

What is in it: ~55 % text/plain, ~25 % multipart/alternative, ~15 % multipart/mixed with
pdf/jpeg/png/office/zip-like base64 attachments (long-tailed sizes: median message ~8 KB, a
few of 1-5 MB), some html-only newsletters, message/rfc822 forwards and DSN bounces; bodies
in English, German, French, Russian and Japanese in us-ascii, utf-8, iso-8859-1/-15,
windows-1252/-1251, koi8-r, shift_jis and iso-2022-jp, sent 7bit, 8bit, quoted-printable or
base64; RFC 2047 encoded words (B and Q) in subjects and display names; ~40 % replies that
thread by In-Reply-To/References; mailing-list, DKIM, Received and mailer-specific headers.
Text comes from a Zipf-distributed vocabulary of a few thousand pseudo-words; senders from a
skewed pool of ~400 addresses. Lines are CRLF-terminated and at most 998 octets.

Marker words give searches an exact expected answer: ``expected_hits(word, count)``.
``WORDS_0_1``/``WORDS_1``/``WORDS_10`` occur in the decoded body text (never in headers) of
0.1 %/1 %/10 % of messages; ``SUBJECT_WORD`` in the Subject of 1 %; ``FROM_ADDRESS`` is the
top-level From of 1 %. No other word of the decoded text (HTML markup aside) contains the
letter "q", so no marker can appear by accident.

CLI: ``python -m bench.corpus --count N --seed S --format mbox|maildir|eml-dir --out PATH``.
"""

from __future__ import annotations

from bench.corpus.generator import generate
from bench.corpus.markers import (
    FROM_ADDRESS,
    MARKERS,
    SUBJECT_WORD,
    WORDS_0_1,
    WORDS_1,
    WORDS_10,
    CorpusMessage,
    expected_hits,
    has_marker,
)
from bench.corpus.writers import main, write_eml_dir, write_maildir, write_mbox

__all__ = [
    "FROM_ADDRESS",
    "MARKERS",
    "SUBJECT_WORD",
    "WORDS_0_1",
    "WORDS_1",
    "WORDS_10",
    "CorpusMessage",
    "expected_hits",
    "generate",
    "has_marker",
    "main",
    "write_eml_dir",
    "write_maildir",
    "write_mbox",
]
