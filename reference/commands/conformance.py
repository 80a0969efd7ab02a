"""``refspace golden`` and ``refspace verify``: the conformance kit."""
from __future__ import annotations

import json

from ..core.limits import DEFAULT_TIMEOUT

from .common import EXIT_FAILED, EXIT_OK, Formatter, atol_value, positive_int, progress, rtol_value, seconds, seed


def _cmd_golden(args) -> int:
    from ..core.files import output_directory
    from ..verify.golden import write_golden

    output_directory("--out", args.out)
    manifest = write_golden(args.out, ops=args.op, seed=args.seed)
    ops = sorted({c["op"] for c in manifest["cases"]})
    print(f"wrote {len(manifest['cases'])} golden cases for {len(ops)} ops to {args.out} "
          f"(manifest.json, schema version {manifest['schema_version']})")
    return EXIT_OK


def _cmd_verify(args) -> int:
    import numpy as np

    from ..verify.adapters import load_impl

    if (args.golden is None) == (args.op is None):
        raise ValueError("verify: give either an OP to check live or --golden DIR (not both, not neither)")
    impl = load_impl(args.impl)
    if args.golden is not None:
        return _verify_golden(args, impl)
    from ..verify.live import verify_live

    positive_int("--max-examples", args.max_examples)
    progress(f"drawing up to {args.max_examples} examples of {args.op}")
    r = verify_live(impl, args.op, max_examples=args.max_examples, impl_spec=args.impl, rtol=args.rtol,
                    atol=args.atol, seed=args.seed, timeout=args.timeout)
    if args.json:
        print(json.dumps({"op": r.op, "passed": r.passed, "examples": r.examples, "skipped": r.skipped,
                          "seed": r.seed, "tolerance": r.tolerance, "worst": r.worst, "failure": r.failure,
                          "traceback": r.traceback or None, "shrunk": r.shrunk,
                          "covered": sorted(r.covered), "not_covered": sorted(r.not_covered),
                          "reproduction": r.reproduction}, indent=2))
        return EXIT_OK if r.passed else EXIT_FAILED
    print(f"verify {r.op}: {args.impl} against the reference (live, hypothesis)")
    print(f"  search: {'derandomized (the same examples every run)' if r.seed is None else f'random, seed {r.seed}'}"
          f"; tolerance: {r.tolerance or 'n/a (nothing compared)'}")
    if r.passed:
        print(f"  verdict: pass ({r.examples} examples, {r.skipped} declined by supports())")
        print(f"  closest call: {r.worst or 'exact'}")
        print(f"  coverage: {r.op}: {_coverage(impl, r.covered, r.not_covered)}")
        return EXIT_OK
    from ..verify.adapters import to_port_layout

    if r.counterexample is None:   # nothing was compared (every example declined)
        print(f"  verdict: NOT VERIFIED: {r.failure}")
        return EXIT_FAILED
    inputs, attrs = to_port_layout(impl, r.op, *r.counterexample[:2])
    shown = lambda v: f"array {tuple(np.shape(v))}" if isinstance(v, np.ndarray) else repr(v)
    how = "shrunk" if r.shrunk else "the search stopped there, not shrunk"
    print(f"  verdict: MISMATCH (after {r.examples} examples, {how})")
    print(f"  {_printable(r.failure)}")
    if r.traceback:
        print("  the port's traceback:\n" + "\n".join("    " + _printable(line) for line in r.traceback.splitlines()))
    print("  minimal counterexample, as the port receives it: "
          + ", ".join(f"{k} {tuple(np.shape(v))}" for k, v in inputs.items())
          + "; attrs " + (", ".join(f"{k}={shown(v)}" for k, v in attrs.items()) or "none"))
    print("  reproduction:\n" + "\n".join("    " + line for line in r.reproduction.splitlines()))
    print(f"  coverage: {r.op}: {_coverage(impl, r.covered, r.not_covered)}")
    return EXIT_FAILED


def _printable(text) -> str:
    """``text`` with control characters (escape sequences from a crafted file or a port's message)
    shown as escapes, never sent to the terminal raw."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in str(text))


def _coverage(impl, covered, not_covered) -> str:
    """What was checked of one op: forward, the gradients compared, those the port declared it lacks."""
    grads = (f"gradients {', '.join(sorted(covered))}" if covered
             else "no gradients" + ("" if hasattr(impl, "vjp") else " (the port has no vjp)"))
    missing = f"; not covered (declared by the port): {', '.join(sorted(not_covered))}" if not_covered else ""
    return f"forward, {grads}{missing}"


def _verify_golden(args, impl) -> int:
    from ..verify.golden import verify_golden

    results = verify_golden(args.golden, impl, ops=args.op_filter, rtol=args.rtol, atol=args.atol,
                            timeout=args.timeout)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"verify {args.impl} against the golden files in {args.golden}")
        print(f"  {'case':<22} {'status':<9} detail")
        for r in results:
            if r["status"] == "pass":
                print(f"  {r['id']:<22} {'pass':<9} worst error {r['worst_ratio']:.2g} of the tolerance "
                      f"({r['tolerance']})")
            elif r["status"] != "skipped":
                print(f"  {_printable(r['id']):<22} {r['status'].upper():<9} {_printable(r['detail'])}")
                for line in (r.get("traceback") or "").splitlines():
                    print("      " + _printable(line))
        skipped = [r for r in results if r["status"] == "skipped"]
        for why in sorted({r["detail"] for r in skipped}):
            mine = [r for r in skipped if r["detail"] == why]
            print(f"  skipped {len(mine)} cases ({why}): {', '.join(sorted({r['op'] for r in mine}))}")
        counts = {s: sum(r["status"] == s for r in results) for s in ("pass", "mismatch", "error", "skipped")}
        print("  " + ", ".join(f"{n} {s}" for s, n in counts.items()))
        checked_ops = sorted({r["op"] for r in results if r["status"] != "skipped"})
        print(f"  coverage: {len(checked_ops)} of {len({r['op'] for r in results})} ops")
        for op in checked_ops:
            mine = [r for r in results if r["op"] == op and r["status"] != "skipped"]
            covered = {g for r in mine for g in r.get("covered", ())}
            lacking = {g for r in mine for g in r.get("not_covered", ())}
            print(f"    {op} ({len(mine)} cases): {_coverage(impl, covered, lacking)}")
    bad = [r for r in results if r["status"] in ("mismatch", "error")]
    checked = [r for r in results if r["status"] != "skipped"]
    if not checked:
        raise ValueError(f"--impl: implements none of the ops in {args.golden}")
    return EXIT_FAILED if bad else EXIT_OK


def register(sub) -> None:
    golden = sub.add_parser(
        "golden", formatter_class=Formatter, help="write golden vectors for other implementations",
        description="Write float64 .npz golden files (inputs, outputs, fixed random cotangents and VJPs) for "
                    "every registered op, plus manifest.json (format: reference/verify/golden.py docstring).",
        epilog="examples:\n  refspace golden --out golden/\n  refspace golden --out golden/ --op lstm_layer")
    golden.add_argument("--out", required=True, metavar="DIR",
                        help="output folder (created if missing, its parent must exist; an existing golden folder is "
                        "replaced whole if refspace wrote it, any other non-empty folder refused and left as it is)")
    golden.add_argument("--op", action="append", metavar="NAME", help="only this op (repeatable)")
    golden.add_argument("--seed", type=seed, default=0, help="seed of the cotangents (default 0)")
    golden.set_defaults(func=_cmd_golden)

    verify = sub.add_parser(
        "verify", formatter_class=Formatter, help="check another implementation against the reference",
        description="Live: hypothesis draws inputs for OP, compares the implementation's forward and VJP with the "
                    "reference, and shrinks any mismatch to a minimal counterexample with a reproduction snippet. "
                    "Golden: compare against golden files instead. The implementation is an import path "
                    "module:attribute (see reference/verify/convention.py). Exit 0 pass, 1 mismatch, 2 usage or "
                    "loading error.",
        epilog="examples:\n  refspace verify lstm_layer --impl reference.verify.examples.torch_ports:torch_lstm\n"
               "  refspace verify onlstm_layer --impl mypkg.port:impl --max-examples 500\n"
               "  refspace verify --golden golden/ --impl mypkg.port:impl")
    verify.add_argument("op", nargs="?", help="the op to verify live (e.g. lstm_layer, onlstm_layer, vq_loss)")
    verify.add_argument("--impl", required=True, metavar="MODULE:ATTR", help="the implementation under test")
    verify.add_argument("--golden", metavar="DIR", help="verify against golden files instead of live")
    verify.add_argument("--only", dest="op_filter", action="append", metavar="NAME",
                        help="with --golden: only this op (repeatable)")
    verify.add_argument("--max-examples", type=int, default=200, help="live examples to draw (default 200)")
    verify.add_argument("--seed", type=seed, metavar="N",
                        help="a random search reproducible by N (default: the derandomized search, the same "
                             "examples every run); try several seeds for a wider search")
    verify.add_argument("--rtol", type=rtol_value, metavar="R",
                        help="relative tolerance for every comparison (default: by the dtype of each array the port "
                             "returns, 1e-7 for float64, 1e-4 for float32; at most 0.1)")
    verify.add_argument("--atol", type=atol_value, metavar="A",
                        help="absolute tolerance (default: 1e-9 for float64, 1e-5 for float32; at most 0.1)")
    verify.add_argument("--timeout", type=seconds, metavar="S", default=DEFAULT_TIMEOUT,
                        help=f"seconds one call into the implementation may take before it counts as hung and "
                             f"fails (default {DEFAULT_TIMEOUT:g}; 0: no limit)")
    verify.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    verify.set_defaults(func=_cmd_verify)
