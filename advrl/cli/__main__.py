"""``python -m advrl.cli`` — the same entry point as ``advrl``."""

import sys

from advrl.cli import main

sys.exit(main())
