"""``python -m puzzles.ellipse [--a A] [--b B] [--mesh FILE] [--plot FILE]``: the same as
``refspace puzzle ellipse``, without the refspace CLI."""
import sys

from .command import main

sys.exit(main())
