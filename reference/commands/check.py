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


def register(sub) -> None:
    check = sub.add_parser(
        "check", formatter_class=Formatter, help="gradient-check every registered op",
        description="Run seeded float64 gradient checks (analytic backward vs central differences) for "
                    "every registered op and print one row per op. Exit 1 if any fails.",
        epilog="examples:\n  refspace check\n  refspace check --op softmax --op lstm_cell\n"
               "  refspace check --json > check.json\n  refspace check --list")
    check.add_argument("--op", action="append", metavar="NAME", help="check only this op (repeatable)")
    check.add_argument("--seed", type=seed, default=0, help="seed of the inputs and cotangents (default 0)")
    check.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    check.add_argument("--list", action="store_true",
                       help="list every op with its source and what covers it (check, golden, live), and exit")
    check.add_argument("--markdown", action="store_true", help="with --list: a Markdown table (the README's)")
    check.add_argument("--signature", metavar="OP",
                       help="what a port of OP receives and returns (input names, shapes, attributes, outputs)")
    check.set_defaults(func=_cmd_check)
