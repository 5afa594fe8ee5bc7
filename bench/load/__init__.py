"""Load and overload benchmarks (issue 9): a `mailstore serve` process under steady SMTP load,
thousands of IDLE sessions, and a connection storm. Each prints figures; none asserts."""
