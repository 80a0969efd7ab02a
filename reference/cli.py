"""The ``refspace`` command (also ``python -m reference``).

Subcommands:
  check   seeded gradient checks of every registered op, one table row per op
  bench   benchmarks (lstm, onlstm, vq): time and ratios to the lower bound and to peers, measured in one run
  demo    end-to-end demonstrations (vq, parse)
  parse   unsupervised trees from a trained ON-LSTM language model
  golden  golden vectors for other implementations
  verify  check another implementation (live with hypothesis, or against golden files)
  puzzle  the maths sandbox (list, ellipse, identities)

Exit status: 0 success, 1 a check failed, 2 usage or input error (one line on stderr; set
REFSPACE_TRACEBACK=1 to see the traceback instead), 130 interrupted.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np

from .core.validate import positive_int

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _finite_or_none(v: float):
    return v if math.isfinite(v) else None


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        print(f"... {text}", file=sys.stderr, flush=True)


# --- check ---------------------------------------------------------------------------------

def _cmd_check(args) -> int:
    from .core.registry import registered_ops, run_checks

    if args.list:
        for op in registered_ops():
            print(f"{op.name:<18} {op.summary}")
        return EXIT_OK
    results = run_checks(args.op or None, seed=args.seed, progress=_progress)
    n_cases = sum(len(r.reports) for r in results)
    ok = all(r.passed for r in results)
    if args.json:
        print(json.dumps({
            "seed": args.seed, "passed": ok,
            "ops": [{"op": r.name, "cases": len(r.reports), "worst_rel_error": _finite_or_none(r.worst_rel_error),
                     "passed": r.passed, "failures": [{"case": c, "report": str(rep)} for c, rep in r.failures()]}
                    for r in results]}, indent=2))
        return EXIT_OK if ok else EXIT_FAILED
    print(f"{'op':<18} {'cases':>5}  {'worst rel error':>15}  verdict")
    for r in results:
        print(f"{r.name:<18} {len(r.reports):>5}  {r.worst_rel_error:>15.2e}  {'pass' if r.passed else 'FAIL'}")
    failed = [r for r in results if not r.passed]
    for r in failed:
        for label, rep in r.failures():
            print(f"\n{r.name} [{label}]\n{rep}")
    print(f"\n{len(results)} ops, {n_cases} cases: "
          + ("all passed" if ok else f"{len(failed)} op(s) FAILED") + f" (seed {args.seed})")
    return EXIT_OK if ok else EXIT_FAILED


# --- bench ---------------------------------------------------------------------------------

def _print_bench(result: dict) -> None:
    sizes = ", ".join(f"{k}={v}" for k, v in result["sizes"].items())
    memory = any("peak_mib" in row for row in result["rows"])
    print(f"{result['what']} ({sizes})")
    print(f"  {'implementation':<18} {'median ms':>10} {'best ms':>9} {'spread':>7}  refspace / this"
          + ("  peak extra MiB" if memory else ""))
    for row in result["rows"]:
        line = (f"  {row['name']:<18} {1e3 * row['median_s']:>10.1f} {1e3 * row['best_s']:>9.1f} "
                f"{100 * row['spread']:>6.0f}%  {row['ratio_refspace_to_this']:>14.2f}x")
        if memory:
            line += f"  {row['peak_mib']:>14.1f}" if row.get("peak_mib") is not None else f"  {'n/a':>14}"
        print(line)
    if result.get("torch"):
        print(f"  (torch {result['torch']['version']}, {result['torch']['threads']} threads)")
    elif "torch" in result and result["benchmark"] != "vq":
        print("  (PyTorch not installed or disabled: no torch comparison)")


def _cmd_bench_vq(args) -> int:
    from .bench import vq

    sizes = vq.DEFAULT_SIZES if args.size is None else [tuple(s) for s in args.size]
    for N, D, K in sizes:
        for name, v in (("N", N), ("D", D), ("K", K)):
            positive_int(f"--size {name}", v)
    positive_int("--repeat", args.repeat)
    _progress("timing nearest-code assignment, the bare GEMM and peers")
    results = vq.run(sizes, dtype=args.dtype, repeat=args.repeat, seed=args.seed, with_peers=not args.no_peers)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for i, result in enumerate(results):
            print("" if i else "", end="\n" if i else "")
            _print_bench(result)
    return EXIT_OK


def _cmd_demo_vq(args) -> int:
    from .vq import demo

    positive_int("--steps", args.steps)
    positive_int("--codes", args.codes)
    if not args.json:
        print(f"{'codebook':<8} {'step':>6} {'train mse':>10} {'held-out mse':>13} {'perplexity':>11} {'usage':>6}")
    show = None if args.json else (lambda r: print(
        f"{r['codebook']:<8} {r['step']:>6} {r['recon']:>10.4f} {r['held_out_recon']:>13.4f} "
        f"{r['perplexity']:>11.2f} {r['usage']:>6.2f}", flush=True))
    rows = demo.run(steps=args.steps, seed=args.seed, codes=args.codes, on_log=show)
    if args.json:
        print(json.dumps(rows, indent=2))
    return EXIT_OK


def _cmd_bench(args) -> int:
    import importlib

    module = importlib.import_module(f".bench.{args.benchmark}", __package__)
    sizes = {name: positive_int(f"--{name.replace('_', '-')}", getattr(args, name)) for name in args.size_args}
    positive_int("--repeat", args.repeat)
    _progress(f"timing {args.benchmark}, its bare GEMMs and peers")
    result = module.run(**sizes, dtype=args.dtype, repeat=args.repeat, seed=args.seed, with_torch=not args.no_torch)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_bench(result)
    return EXIT_OK


def _add_recurrent_bench(bsub, name: str, what: str, defaults: dict, paper_note: str) -> None:
    """`refspace bench NAME` for a recurrent layer: sizes, dtype, repeats, optional torch peer."""
    labels = {"batch": "B", "steps": "T", "input_size": "I", "hidden": "H", "chunk_size": "chunk size"}
    example = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in defaults.items())
    sp = bsub.add_parser(
        name, formatter_class=_Formatter, help=f"{what} vs bare GEMMs (and torch)",
        description=f"Forward+backward time of the {what}, its ratio to the bare GEMMs it must perform and, "
                    f"when PyTorch is installed, to {paper_note} on the CPU, all measured in the same run.",
        epilog=f"example:\n  refspace bench {name} {example}")
    for key, value in defaults.items():
        sp.add_argument(f"--{key.replace('_', '-')}", type=int, default=value, help=f"{labels[key]} (default {value})")
    sp.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    sp.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    sp.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    sp.set_defaults(func=_cmd_bench, size_args=tuple(defaults))


def _cmd_demo_parse(args) -> int:
    from .onlstm import demo

    positive_int("--epochs", args.epochs)
    progress = (lambda m: print(m, file=sys.stderr, flush=True)) if not args.quiet else None
    result = demo.run(epochs=args.epochs, seed=args.seed, save=args.save, progress=progress)
    if args.json:
        print(json.dumps(result, indent=2))
        return EXIT_OK
    last = result["history"][-1]
    print(f"language model: {result['n_train']} training sentences, sizes {result['sizes']}, chunk size "
          f"{result['chunk_size']}; after {last['epoch']} epochs train perplexity {last['train_ppl']:.3f}, "
          f"held-out perplexity {last['test_ppl']:.3f} ({last['seconds']:.0f} s)")
    print(f"\nunlabeled F1 on {result['n_test']} held-out sentences"
          f"\n  {'parser':<20} {'sentence-level F1':>18} {'corpus-level F1':>16}")
    for name, (sent, corp) in result["scores"].items():
        print(f"  {name:<20} {sent:>18.3f} {corp:>16.3f}")
    print("  (sentence-level: mean per sentence, whole-sentence span excluded; corpus-level: EVALB-style micro "
          "F1 with it)")
    print(f"\nexample parses (layer {result['parse_layer']}) and gold trees:")
    for ex in result["examples"]:
        print(f"  model {ex['model']}\n  gold  {ex['gold']}")
    if args.save:
        print(f"\nsaved the model to {args.save}; parse with: refspace parse --model {args.save} \"alice sees a dog\"")
    return EXIT_OK


def _cmd_parse(args) -> int:
    from .onlstm.lm import load_lm
    from .onlstm.parse import parse_sentences
    from .onlstm.trees import to_bracketed

    params, vocab, master_input = load_lm(args.model)
    sentences = [s.split() for s in args.sentences]
    trees, depths = parse_sentences(params, vocab, sentences, layer=None if args.layer is None else args.layer - 1,
                                    boundary=args.boundary, master_input=master_input)
    for words, tree, depth in zip(sentences, trees, depths):
        print(to_bracketed(tree))
        if args.distances:
            print("  " + "  ".join(f"{w}:{d:.3f}" for w, d in zip(words, depth)))
    return EXIT_OK


def _cmd_golden(args) -> int:
    from .verify.golden import write_golden

    manifest = write_golden(args.out, ops=args.op, seed=args.seed)
    ops = sorted({c["op"] for c in manifest["cases"]})
    print(f"wrote {len(manifest['cases'])} golden cases for {len(ops)} ops to {args.out} "
          f"(manifest.json, schema version {manifest['schema_version']})")
    return EXIT_OK


def _cmd_verify(args) -> int:
    from .verify.adapters import load_impl

    if (args.golden is None) == (args.op is None):
        raise ValueError("verify: give either an OP to check live or --golden DIR (not both, not neither)")
    impl = load_impl(args.impl)
    if args.golden is not None:
        return _verify_golden(args, impl)
    from .verify.live import verify_live

    positive_int("--max-examples", args.max_examples)
    _progress(f"drawing up to {args.max_examples} examples of {args.op}")
    r = verify_live(impl, args.op, max_examples=args.max_examples, impl_spec=args.impl)
    if args.json:
        print(json.dumps({"op": r.op, "passed": r.passed, "examples": r.examples, "skipped": r.skipped,
                          "worst": r.worst, "failure": r.failure, "reproduction": r.reproduction}, indent=2))
        return EXIT_OK if r.passed else EXIT_FAILED
    print(f"verify {r.op}: {args.impl} against the reference (live, hypothesis)")
    if r.passed:
        print(f"  verdict: pass ({r.examples} examples, {r.skipped} declined by supports())")
        print(f"  closest call: {r.worst or 'exact'}")
        return EXIT_OK
    inputs, attrs, _ = r.counterexample
    print(f"  verdict: MISMATCH (after {r.examples} examples, shrunk)")
    print(f"  {r.failure}")
    print("  minimal counterexample: " + ", ".join(f"{k} {tuple(np.shape(v))}" for k, v in inputs.items())
          + f"; attrs {({k: v for k, v in attrs.items() if not hasattr(v, 'shape')})}")
    print("  reproduction:\n" + "\n".join("    " + line for line in r.reproduction.splitlines()))
    return EXIT_FAILED


def _verify_golden(args, impl) -> int:
    from .verify.golden import verify_golden

    results = verify_golden(args.golden, impl, ops=args.op_filter)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"verify {args.impl} against the golden files in {args.golden}")
        print(f"  {'case':<22} {'status':<9} detail")
        for r in results:
            if r["status"] == "pass":
                print(f"  {r['id']:<22} {'pass':<9} worst error {r['worst_ratio']:.2g} of the tolerance")
            elif r["status"] != "skipped":
                print(f"  {r['id']:<22} {r['status'].upper():<9} {r['detail']}")
        skipped = [r for r in results if r["status"] == "skipped"]
        if skipped:
            ops = sorted({r["op"] for r in skipped})
            print(f"  skipped {len(skipped)} cases (not implemented or declined): {', '.join(ops)}")
        counts = {s: sum(r["status"] == s for r in results) for s in ("pass", "mismatch", "error", "skipped")}
        print("  " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    bad = [r for r in results if r["status"] in ("mismatch", "error")]
    checked = [r for r in results if r["status"] != "skipped"]
    if not checked:
        raise ValueError(f"--impl: implements none of the ops in {args.golden}")
    return EXIT_FAILED if bad else EXIT_OK


def _cmd_puzzle_list(args) -> int:
    from puzzles import EXPLORATIONS

    for name, (module, summary) in EXPLORATIONS.items():
        print(f"{name:<12} {summary}  (python -m {module})")
    return EXIT_OK


def _cmd_puzzle_ellipse(args) -> int:
    from puzzles.ellipse import report

    a, b, note = report.normalise_axes(args.a, args.b)
    if note:
        print(note, file=sys.stderr)
    if args.dps < 15:
        raise ValueError(f"--dps: expected at least 15 digits, got {args.dps}")
    if args.plot:  # fail before the long computation if matplotlib is missing
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise ValueError('--plot needs matplotlib: pip install "refspace[plot]"') from None
    _progress("computing the construction two ways (SciPy, mpmath)")
    result = report.run(a, b, dps=args.dps, table=not args.no_table, pairs=not args.no_table)
    if args.mesh:
        from puzzles.ellipse.mesh import solid_mesh, write_mesh
        from puzzles.ellipse.numeric import EllipseSciPy

        verts, tris = solid_mesh(EllipseSciPy(a, b), n=args.mesh_resolution, m=max(4, args.mesh_resolution // 8))
        fmt = write_mesh(args.mesh, verts, tris)
        print(f"wrote {fmt.upper()} mesh {args.mesh} ({len(verts)} vertices, {len(tris)} triangles)", file=sys.stderr)
    if args.plot:
        from puzzles.ellipse.plot import draw

        draw(a, b, args.plot)
        print(f"wrote picture {args.plot}", file=sys.stderr)
    print(json.dumps(result, indent=2) if args.json else report.format_report(result))
    glues = result["ellipse"]["gluing"]["min"] >= -1e-12
    return EXIT_OK if glues else EXIT_FAILED


def _cmd_puzzle_identities(args) -> int:
    from puzzles import identities

    results = identities.run_all()
    print(identities.format_report(results))
    return EXIT_OK if all(r.holds for r in results) else EXIT_FAILED


# --- parser --------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="refspace", formatter_class=_Formatter,
        description="NumPy reference implementations with hand-written backward passes.",
        epilog="examples:\n  refspace check\n  refspace check --op lstm_layer --json\n  refspace bench lstm\n  refspace demo vq")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    check = sub.add_parser(
        "check", formatter_class=_Formatter, help="gradient-check every registered op",
        description="Run seeded float64 gradient checks (analytic backward vs central differences) for "
                    "every registered op and print one row per op. Exit 1 if any fails.",
        epilog="examples:\n  refspace check\n  refspace check --op softmax --op lstm_cell\n"
               "  refspace check --json > check.json\n  refspace check --list")
    check.add_argument("--op", action="append", metavar="NAME", help="check only this op (repeatable)")
    check.add_argument("--seed", type=int, default=0, help="seed of the inputs and cotangents (default 0)")
    check.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    check.add_argument("--list", action="store_true", help="list the registered ops and exit")
    check.set_defaults(func=_cmd_check)

    bench = sub.add_parser("bench", formatter_class=_Formatter, help="run a benchmark",
                           description="Benchmarks: time, and ratios measured in the same run.",
                           epilog="examples:\n  refspace bench lstm\n  refspace bench onlstm --hidden 256 --json")
    bsub = bench.add_subparsers(dest="benchmark", metavar="BENCHMARK")
    bsub.required = True
    _add_recurrent_bench(bsub, "lstm", "LSTM layer", dict(batch=20, steps=35, input_size=400, hidden=1150),
                         "torch.nn.LSTM")
    _add_recurrent_bench(bsub, "onlstm", "ON-LSTM layer",
                         dict(batch=20, steps=70, input_size=400, hidden=1150, chunk_size=10),
                         "an equivalent PyTorch autograd module")
    bv = bsub.add_parser(
        "vq", formatter_class=_Formatter, help="nearest-code assignment vs the bare GEMM, SciPy and faiss",
        description="Time and peak extra memory of nearest-code assignment against the bare GEMM, "
                    "scipy.cluster.vq.vq and (when installed) faiss IndexFlatL2, all in the same run.",
        epilog="examples:\n  refspace bench vq\n  refspace bench vq --size 65536 64 512 --json")
    bv.add_argument("--size", nargs=3, type=int, action="append", metavar=("N", "D", "K"),
                    help="a size to run (repeatable; default 65536 64 512 and 16384 256 1024)")
    bv.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    bv.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    bv.add_argument("--seed", type=int, default=0)
    bv.add_argument("--no-peers", action="store_true", help="skip SciPy and faiss")
    bv.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    bv.set_defaults(func=_cmd_bench_vq)

    golden = sub.add_parser(
        "golden", formatter_class=_Formatter, help="write golden vectors for other implementations",
        description="Write float64 .npz golden files (inputs, outputs, fixed random cotangents and VJPs) for "
                    "every registered op, plus manifest.json (format: reference/verify/golden.py docstring).",
        epilog="examples:\n  refspace golden --out golden/\n  refspace golden --out golden/ --op lstm_layer")
    golden.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    golden.add_argument("--op", action="append", metavar="NAME", help="only this op (repeatable)")
    golden.add_argument("--seed", type=int, default=0, help="seed of the cotangents (default 0)")
    golden.set_defaults(func=_cmd_golden)

    verify = sub.add_parser(
        "verify", formatter_class=_Formatter, help="check another implementation against the reference",
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
    verify.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    verify.set_defaults(func=_cmd_verify)

    puzzle = sub.add_parser("puzzle", formatter_class=_Formatter, help="maths sandbox explorations",
                            description="Runnable explorations: claim, symbolic derivation, two numeric checks.",
                            epilog="examples:\n  refspace puzzle list\n  refspace puzzle ellipse --a 2 --b 1\n"
                                   "  refspace puzzle identities")
    psub = puzzle.add_subparsers(dest="puzzle", metavar="PUZZLE")
    psub.required = True
    psub.add_parser("list", help="list the explorations").set_defaults(func=_cmd_puzzle_list)
    pe = psub.add_parser(
        "ellipse", formatter_class=_Formatter, help="two elliptical sheets glued into a solid (kexue.fm 6818)",
        description="Compute the two-ellipse solid for semi-axes a, b (SciPy and mpmath), run the geometric "
                    "checks, print a table over a/b and the two-curve generalisation; optionally write a "
                    "mesh (.obj/.stl) and a picture (needs matplotlib). If b > a the axes are swapped, "
                    "with a note. Exit 1 if the sheets do not glue.",
        epilog="examples:\n  refspace puzzle ellipse --a 2 --b 1\n"
               "  refspace puzzle ellipse --a 3 --b 1 --mesh solid.stl --plot solid.png --no-table")
    pe.add_argument("--a", type=float, default=2.0, help="semi-axis along the bending axis (default 2)")
    pe.add_argument("--b", type=float, default=1.0, help="the other semi-axis (default 1)")
    pe.add_argument("--dps", type=int, default=20, help="mpmath digits (default 20)")
    pe.add_argument("--mesh", metavar="FILE", help="write a closed mesh, .obj or .stl")
    pe.add_argument("--mesh-resolution", type=int, default=200, help="seam samples of the mesh (default 200)")
    pe.add_argument("--plot", metavar="FILE", help="write a picture (.png/.svg/.pdf; needs matplotlib)")
    pe.add_argument("--no-table", action="store_true", help="skip the table over a/b and the curve pairs")
    pe.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    pe.set_defaults(func=_cmd_puzzle_ellipse)
    psub.add_parser("identities", help="ON-LSTM level identity, cumax backward, VQ split, straight-through"
                    ).set_defaults(func=_cmd_puzzle_identities)

    demo = sub.add_parser("demo", formatter_class=_Formatter, help="run a demonstration",
                          description="End-to-end demonstrations trained with the reference's own backward passes.",
                          epilog="example:\n  refspace demo vq --steps 1500")
    dsub = demo.add_subparsers(dest="demo", metavar="DEMO")
    dsub.required = True
    dv = dsub.add_parser(
        "vq", formatter_class=_Formatter, help="a tiny VQ-VAE on synthetic clusters (loss vs EMA codebook)",
        description="Train an MLP encoder/decoder with a VQ bottleneck on seeded synthetic clustered data, "
                    "once with the loss-based codebook and once with the EMA codebook; print reconstruction "
                    "error, perplexity and code usage during training.",
        epilog="examples:\n  refspace demo vq\n  refspace demo vq --steps 3000 --codes 64 --json")
    dv.add_argument("--steps", type=int, default=1500, help="training steps per codebook (default 1500)")
    dv.add_argument("--codes", type=int, default=32, help="codebook size K (default 32)")
    dv.add_argument("--seed", type=int, default=0)
    dv.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    dv.set_defaults(func=_cmd_demo_vq)
    dp = dsub.add_parser(
        "parse", formatter_class=_Formatter, help="train an ON-LSTM language model and parse without supervision",
        description="Train a three-layer ON-LSTM language model (reference backward passes, Adam, clipping) on a "
                    "seeded synthetic grammar, then parse held-out sentences from the master-forget distances and "
                    "score them against the gold trees (both F1 definitions) beside right-branching, "
                    "left-branching and random trees. Progress goes to stderr.",
        epilog="examples:\n  refspace demo parse\n  refspace demo parse --epochs 4 --save lm.npz")
    dp.add_argument("--epochs", type=int, default=12, help="training epochs (default 12, about 45 s)")
    dp.add_argument("--seed", type=int, default=0)
    dp.add_argument("--save", metavar="FILE", help="save the trained model (.npz) for refspace parse")
    dp.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    dp.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    dp.set_defaults(func=_cmd_demo_parse)

    parse = sub.add_parser(
        "parse", formatter_class=_Formatter, help="parse sentences with a trained ON-LSTM language model",
        description="Print the unsupervised tree of each sentence (words separated by spaces) from a model saved "
                    "by `refspace demo parse --save`. Each sentence is read as <eos> words <eos> from a zero state.",
        epilog='example:\n  refspace parse --model lm.npz "alice sees a dog" "the big cat sleeps"')
    parse.add_argument("--model", required=True, metavar="FILE", help="a model saved by refspace demo parse --save")
    parse.add_argument("--layer", type=int, help="layer whose distances split the sentence, from 1 "
                                                 "(default 2, or 1 for a one-layer model)")
    parse.add_argument("--boundary", choices=("both", "start"), default="both",
                       help="<eos> on both ends (the authors') or at the start only (the article author's)")
    parse.add_argument("--distances", action="store_true", help="also print each word's distance")
    parse.add_argument("sentences", nargs="+", metavar="SENTENCE")
    parse.set_defaults(func=_cmd_parse)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as exc:
        if os.environ.get("REFSPACE_TRACEBACK"):
            raise
        print(f"refspace {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"refspace {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `refspace check | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
