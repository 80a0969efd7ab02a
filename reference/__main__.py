"""``python -m reference`` runs the ``refspace`` command."""
import sys

from .console import main

sys.exit(main())
