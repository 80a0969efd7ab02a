"""Benchmarks run by ``refspace bench NAME``: timings and ratios measured in one run.

Each benchmark reports the reference's time, its ratio to the operation's lower bound (the
bare GEMMs it must perform, timed on arrays of the same shapes and layouts in the same
run), and its ratio to the peer a user would otherwise pick when that peer is installed.
Timings never appear in tests.
"""
