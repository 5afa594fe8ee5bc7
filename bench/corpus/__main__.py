"""``python -m bench.corpus``."""

import sys

from bench.corpus.writers import main

sys.exit(main())
