"""``refspace parse``: unsupervised trees from a trained ON-LSTM language model."""
from __future__ import annotations

from .common import EXIT_OK, Formatter


def _cmd_parse(args) -> int:
    from ..onlstm.lm import load_lm
    from ..onlstm.parse import parse_sentences
    from ..onlstm.trees import to_bracketed

    params, vocab, master_input = load_lm(args.model)
    if args.layer is not None and not 1 <= args.layer <= len(params.layers):
        raise ValueError(f"--layer: expected 1 to {len(params.layers)} (the model's layers, from 1), got {args.layer}")
    sentences = [s.split() for s in args.sentences]
    trees, depths = parse_sentences(params, vocab, sentences, layer=None if args.layer is None else args.layer - 1,
                                    boundary=args.boundary, master_input=master_input)
    for words, tree, depth in zip(sentences, trees, depths):
        print(to_bracketed(tree))
        if args.distances:
            print("  " + "  ".join(f"{w}:{d:.3f}" for w, d in zip(words, depth)))
    return EXIT_OK


def register(sub) -> None:
    parse = sub.add_parser(
        "parse", formatter_class=Formatter, help="parse sentences with a trained ON-LSTM language model",
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
