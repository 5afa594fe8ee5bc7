"""Crash-safety harness (issue 9): a driver outside the server process injects faults under load
and checks, by reading the database, that nothing acknowledged was lost or corrupted."""
