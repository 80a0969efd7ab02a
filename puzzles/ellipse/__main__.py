"""``python -m puzzles.ellipse [--a A] [--b B] [--mesh FILE] [--plot FILE]``: the same as
``refspace puzzle ellipse``."""
import sys

from reference.cli import main

sys.exit(main(["puzzle", "ellipse", *sys.argv[1:]]))
