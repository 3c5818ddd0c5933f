"""Entry point for ``python -m sac_desktop``."""

import sys

from sac_desktop.cli import main

sys.exit(main())
