"""`python -m trackjammer` runs the same command line as the `trackjammer` script."""

from __future__ import annotations

import sys

from trackjammer.cli import main

if __name__ == "__main__":
    sys.exit(main())
