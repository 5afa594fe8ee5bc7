"""Bounded property tests (hypothesis) over every parser that reads untrusted bytes.

Each test is derandomized (``tests.fuzz.profile.bounded``) so CI sees the same examples on
every run; the open-ended search is the atheris targets in ``fuzz/``. Crashers found by either
become exact-input regression tests in ``test_regressions.py``.
"""
