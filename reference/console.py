"""The ``refspace`` console entry point: signal handling first, then the command (its imports too).

A Ctrl-C at any moment, start-up included, ends the command with exit status 130 and one line
on stderr, never a traceback. SIGTERM is raised as :class:`Terminated` where the program is, so
every ``with`` block that owns a temporary file or folder (atomic writes, the golden set's
staging folder, new-word discovery's spill folders) removes it before the exit (status 143).
"""
import os
import signal
import sys

EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


class Terminated(BaseException):
    """SIGTERM, raised in the main thread (a BaseException: ``except Exception`` does not catch it)."""


_MAIN_PID = os.getpid()


def _on_sigterm(signum, frame):
    if os.getpid() != _MAIN_PID:        # a forked worker (multiprocessing ends its pool with SIGTERM): die as usual
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise Terminated


def main(argv=None) -> int:
    """Run ``refspace`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
        from .cli import main as run

        code = run(argv)
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # the work is done: a late Ctrl-C changes nothing
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        return code
    except KeyboardInterrupt:
        print("refspace: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("refspace: terminated (SIGTERM); temporary files removed", file=sys.stderr)
        return EXIT_TERMINATED
