"""Calling a port's code: whatever it does is a verdict about the port, never the kit's end.

A port under verification is the user's code. Each call into it (``forward``, ``vjp``,
``supports``, the import of its module) goes through :func:`call_port`, which

- passes copies of the arrays it is given and checks them afterwards: a port that modifies its
  inputs, attributes or cotangents in place fails, naming the array;
- sends what the port prints to stderr (Python's ``sys.stdout`` and file descriptor 1 alike),
  so ``--json`` on stdout stays valid;
- stops a call that runs longer than ``timeout`` seconds (default :data:`DEFAULT_TIMEOUT`;
  ``None`` or 0 for none) with a verdict. The timer is ``SIGALRM``, so it applies on the main
  thread of a POSIX process, and it fires when the port next runs Python code or returns from
  a blocking system call (a loop in compiled code that never returns is stopped when it does);
- turns any exception, ``SystemExit`` and a ``KeyboardInterrupt`` the port raised itself into a
  :class:`PortError` carrying the port's traceback. A Ctrl-C of the user's
  (:func:`user_interrupts` records it) stays a ``KeyboardInterrupt``, so the command exits 130.

``PortError.fatal`` marks failures after which calling the port again is pointless (a time-out,
``sys.exit``, its own ``KeyboardInterrupt``): the live search stops at once instead of shrinking.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback

import numpy as np

from ..core.extras import missing_module
from ..core.limits import DEFAULT_TIMEOUT  # seconds per call into the port

_REFERENCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_state = threading.local()


class PortError(Exception):
    """The port failed: ``message`` (one line) and ``traceback`` (the port's frames, may be "")."""

    def __init__(self, message: str, traceback_text: str = "", fatal: bool = False):
        super().__init__(message)
        self.message, self.traceback, self.fatal = message, traceback_text, fatal


class _Timeout(BaseException):
    """Raised in the port's frame by the timer; a BaseException so ``except Exception`` in the port
    does not swallow it."""


def _port_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without the kit's own frames (what the porter needs to read)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(f.filename).startswith(_REFERENCE_DIR + os.sep)]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


@contextlib.contextmanager
def user_interrupts():
    """While active (on the main thread), a Ctrl-C sets a flag before raising KeyboardInterrupt, so
    a KeyboardInterrupt the port raises itself is told apart from the user's; on leaving, a Ctrl-C
    that anything swallowed (hypothesis, the port) is raised again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_flag = getattr(_state, "interrupted", None)
    _state.interrupted = False

    def on_sigint(signum, frame):
        _state.interrupted = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        interrupted, _state.interrupted = _state.interrupted, previous_flag
        if interrupted:
            raise KeyboardInterrupt


def _user_pressed_ctrl_c() -> bool:
    return bool(getattr(_state, "interrupted", False))


@contextlib.contextmanager
def _stdout_to_stderr():
    """The port's prints go to stderr: ``sys.stdout`` and, when both exist, file descriptor 1."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    saved = None
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:        # a closed stdout or stderr: nothing to redirect at the descriptor level
        if saved is not None:
            os.close(saved)
        saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


@contextlib.contextmanager
def _time_limit(seconds):
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def copies(arrays: dict) -> dict:
    """What the port receives: a fresh copy of every array (other values as they are)."""
    return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in arrays.items()}


def _changed(given: dict, pristine: dict) -> list[str]:
    out = []
    for k, v in pristine.items():
        if not isinstance(v, np.ndarray):
            continue
        g = given.get(k)
        if not (isinstance(g, np.ndarray) and g.shape == v.shape and g.dtype == v.dtype
                and np.array_equal(g, v, equal_nan=v.dtype.kind in "fc")):
            out.append(k)
    return out


def checked_timeout(value) -> float | None:
    """A per-call timeout in seconds: None or 0 for none, else a finite number > 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"timeout: expected a number of seconds, got {type(value).__name__} {value!r}")
    value = float(value)
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"timeout: expected a finite number of seconds >= 0 (0: none), got {value!r}")
    return value or None


def raise_if_missing_extra(exc: BaseException) -> None:
    """An implementation that needs an extra that is not installed is a setup problem, not a mismatch."""
    hint = missing_module(exc)
    if hint is not None:
        raise ValueError(f"--impl: {hint}") from None


def call_port(what: str, fn, *args, watch: dict | None = None, timeout=DEFAULT_TIMEOUT):
    """``fn(*args)``, the port's code, under the rules of the module docstring.

    ``what`` names the call in messages ("forward", "vjp", "supports()"); ``watch`` maps a label
    ("input", "attribute", "cotangent") to ``(given, pristine)``: the dicts passed to the port
    and the kit's own copies, compared after the call."""
    try:
        with _stdout_to_stderr(), _time_limit(timeout):
            result = fn(*args)
    except _Timeout:
        raise PortError(f"{what} did not return within {timeout:g} s (the per-call timeout; --timeout "
                        "sets it)", fatal=True) from None
    except KeyboardInterrupt as exc:
        if _user_pressed_ctrl_c():
            raise
        raise PortError(f"{what} raised KeyboardInterrupt", _port_traceback(exc), fatal=True) from None
    except SystemExit as exc:
        raise PortError(f"{what} called sys.exit({exc.code!r})", _port_traceback(exc), fatal=True) from None
    except Exception as exc:
        raise_if_missing_extra(exc)
        text = " ".join(str(exc).split())
        raise PortError(f"{what} raised {type(exc).__name__}: {text}"[:2000], _port_traceback(exc)) from None
    for label, (given, pristine) in (watch or {}).items():
        changed = _changed(given, pristine)
        if changed:
            raise PortError(f"{what} modified its {label} {changed[0]!r} in place (a port must not change the "
                            "arrays it is given)")
    return result
