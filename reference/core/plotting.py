"""matplotlib for the optional figures: imported on demand with the install hint, and figures
written atomically (a temporary file renamed into place; the format from the extension)."""
from __future__ import annotations

import os

from .files import atomic_path


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend, or an ImportError saying how to install it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError('plotting needs matplotlib: pip install "refspace[plot]"') from None
    return plt


def require_pyplot(option: str) -> None:
    """Before any work: ``ValueError`` naming ``option`` (e.g. ``--plot``) and the extra when
    matplotlib cannot be imported, so a long run never ends in a missing dependency."""
    try:
        pyplot()
    except ImportError as exc:
        raise ValueError(f"{option}: {exc}") from None


def save_figure(fig, path, *, dpi: int = 100) -> None:
    """Write ``fig`` to ``path`` (PNG, SVG or PDF by extension) atomically, then close it."""
    import matplotlib.pyplot as plt

    ext = os.path.splitext(os.fspath(path))[1] or ".png"
    try:
        with atomic_path(path, suffix=ext) as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
