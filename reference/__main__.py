"""``python -m reference`` runs the ``refspace`` command."""
import sys

from .cli import main

sys.exit(main())
