"""``refspace check``: seeded gradient checks of every registered op."""
from __future__ import annotations

import json

from .common import EXIT_FAILED, EXIT_OK, Formatter, finite_or_none, progress, seed


def _cmd_check(args) -> int:
    from ..core.registry import run_checks

    if args.signature:
        from ..verify.catalogue import signature, signature_text

        sig = signature(args.signature)
        print(json.dumps(sig, indent=2, default=lambda v: getattr(v, "__qualname__", repr(v))) if args.json
              else signature_text(sig))
        return EXIT_OK
    if args.list:
        from ..verify.catalogue import catalogue, markdown_table, text_table

        rows = catalogue()
        print(json.dumps(rows, indent=2) if args.json else markdown_table(rows) if args.markdown else text_table(rows))
        return EXIT_OK
    if args.spec:
        return _cmd_check_spec(args)
    results = run_checks(args.op or None, seed=args.seed, progress=progress)
    n_cases = sum(len(r.reports) for r in results)
    ok = all(r.passed for r in results)
    if args.json:
        print(json.dumps({
            "seed": args.seed, "passed": ok,
            "ops": [{"op": r.name, "cases": len(r.reports), "worst_rel_error": finite_or_none(r.worst_rel_error),
                     "passed": r.passed, "failures": [{"case": c, "report": str(rep)} for c, rep in r.failures()]}
                    for r in results]}, indent=2))
        return EXIT_OK if ok else EXIT_FAILED
    width = max([18] + [len(r.name) for r in results])
    print(f"{'op':<{width}} {'cases':>5}  {'worst rel error':>15}  verdict")
    for r in results:
        print(f"{r.name:<{width}} {len(r.reports):>5}  {r.worst_rel_error:>15.2e}  {'pass' if r.passed else 'FAIL'}")
    failed = [r for r in results if not r.passed]
    for r in failed:
        for label, rep in r.failures():
            print(f"\n{r.name} [{label}]\n{rep}")
    print(f"\n{len(results)} ops, {n_cases} cases: "
          + ("all passed" if ok else f"{len(failed)} op(s) FAILED") + f" (seed {args.seed})")
    return EXIT_OK if ok else EXIT_FAILED


def _cmd_check_spec(args) -> int:
    """The spec forms: their own gradient checks, and kernel == spec on the same cases."""
    import numpy as np

    from ..core.registry import checked_ops, run_checks
    from ..core.specform import spec_agreement

    from ..core.registry import registered_ops

    forward_only_names = {op.name for op in registered_ops() if not op.differentiable}
    names = None if not args.op else [n for n in args.op if n not in forward_only_names]
    results = run_checks(names, seed=args.seed, progress=progress, spec=True)
    ops = {op.name: op for op in checked_ops()}
    missing = [op for op in (args.op or ops) if op in ops and ops[op].spec is None]
    rows = []
    for r in results:
        cases = ops[r.name].cases(np.random.default_rng(args.seed))
        per_dtype = tuple(max((spec_agreement(c, args.seed, dtype=dt) for c in cases), key=lambda a: a.ratio)
                          for dt in (np.float64, np.float32))
        rows.append((r, per_dtype, ops[r.name].spec == "kernel"))
    passed = lambda r, agreements: r.passed and all(a.passed for a in agreements)      # noqa: E731
    forward_only = _forward_only_rows(args)
    ok = all(passed(r, a) for r, a, _ in rows) and all(a.passed for _, a in forward_only) and not missing
    if args.json:
        print(json.dumps({"seed": args.seed, "passed": ok, "without_spec": missing, "ops": [
            {"op": r.name, "cases": len(r.reports), "spec_is_kernel": is_kernel,
             "worst_rel_error": finite_or_none(r.worst_rel_error),
             "kernel_vs_spec": {dt: {"rel_error": finite_or_none(a.rel_error), "worst": a.where}
                                for dt, a in zip(("float64", "float32"), agreements)},
             "passed": passed(r, agreements)} for r, agreements, is_kernel in rows],
            "forward_only": [{"op": name, "kernel_vs_spec": {"rel_error": finite_or_none(a.rel_error), "worst": a.where},
                              "passed": a.passed} for name, a in forward_only]}, indent=2))
        return EXIT_OK if ok else EXIT_FAILED
    width = max([18] + [len(r.name) for r, _, _ in rows])
    print(f"{'op':<{width}} {'cases':>5}  {'spec grad error':>15}  {'kernel vs spec f64':>18}  {'f32':>9}  verdict")
    for r, (a64, a32), is_kernel in rows:
        versus = f"{'(is kernel)':>18}  {'':>9}" if is_kernel else f"{a64.rel_error:>18.2e}  {a32.rel_error:>9.2e}"
        print(f"{r.name:<{width}} {len(r.reports):>5}  {r.worst_rel_error:>15.2e}  {versus}  "
              f"{'pass' if passed(r, (a64, a32)) else 'FAIL'}")
        for a in (a64, a32):
            if not a.passed:
                print(f"  kernel vs spec: {a}")
        for label, rep in r.failures():
            print(f"\n{r.name} [{label}] (spec form)\n{rep}")
    for name, a in forward_only:
        print(f"{name:<{width}} {1:>5}  {'(forward only)':>15}  {a.rel_error:>18.2e}  {'':>9}  "
              f"{'pass' if a.passed else 'FAIL'}")
        if not a.passed:
            print(f"  kernel vs spec: {a}")
    if missing:
        print(f"\nwithout a spec form ({len(missing)}): {', '.join(missing)}")
    print(f"\n{len(rows) + len(forward_only)} spec forms (float64 gradients; kernel vs spec in float64 and float32, "
          "forward-only ops on their example): "
          + ("all passed" if ok else "FAILED") + f" (seed {args.seed})")
    return EXIT_OK if ok else EXIT_FAILED


def _forward_only_rows(args):
    """(name, agreement) of each forward-only op with a spec form, on its seeded example."""
    import numpy as np

    from ..core.registry import registered_ops
    from ..core.specform import forward_only_agreement

    return [(op.name, forward_only_agreement(op, *op.example(np.random.default_rng(args.seed))))
            for op in registered_ops() if not op.differentiable and op.spec is not None
            and (not args.op or op.name in args.op)]


def register(sub) -> None:
    check = sub.add_parser(
        "check", formatter_class=Formatter, help="gradient-check every registered op",
        description="Run seeded float64 gradient checks (analytic backward vs central differences) for "
                    "every registered op and print one row per op. Exit 1 if any fails.",
        epilog="examples:\n  refspace check\n  refspace check --op softmax --op lstm_cell\n"
               "  refspace check --json > check.json\n  refspace check --list\n  refspace check --spec")
    check.add_argument("--op", action="append", metavar="NAME", help="check only this op (repeatable)")
    check.add_argument("--seed", type=seed, default=0, help="seed of the inputs and cotangents (default 0)")
    check.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    check.add_argument("--list", action="store_true",
                       help="list every op with its source and what covers it (check, golden, live), and exit")
    check.add_argument("--markdown", action="store_true", help="with --list: a Markdown table (the README's)")
    check.add_argument("--spec", action="store_true",
                       help="check the spec forms (the ops as their articles' equations): their own gradients, "
                            "and that each equals its kernel in float64 and float32")
    check.add_argument("--signature", metavar="OP",
                       help="what a port of OP receives and returns (input names, shapes, attributes, outputs)")
    check.set_defaults(func=_cmd_check)
