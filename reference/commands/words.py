"""``refspace words``: build a lexicon from raw text (new-word discovery, kexue.fm/archives/6920)."""
from __future__ import annotations

import math
import sys

from .common import EXIT_OK, Formatter, ProgressBar, positive_int, progress


def _thresholds(text: str):
    import argparse

    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 2,4,6, got {text!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"expected finite numbers such as 2,4,6, got {text!r}")
    return values


def _cmd_words(args) -> int:
    from ..core.files import output_file, write_text
    from ..newwords.corpus import check_inputs, iter_blocks, iter_documents
    from ..newwords.discover import discover

    for name, value in (("--order", args.order), ("--min-count", args.min_count), ("--workers", args.workers),
                        ("--max-memory", args.max_memory)):
        positive_int(name, value)
    if args.thresholds is not None and len(args.thresholds) != args.order - 1:
        raise ValueError(f"--thresholds: expected {args.order - 1} values (for 2..{args.order}-grams), "
                         f"got {len(args.thresholds)}")
    if args.out is not None:
        output_file("--out", args.out)
    check_inputs(args.corpus)                      # every input checked before any work
    bar = ProgressBar()
    try:
        # a line is a document only for --dedup; otherwise its end is a break like any other, and the
        # files are read in blocks of lines (the same lexicon, fewer decodes)
        documents = iter_documents(args.corpus) if args.dedup else iter_blocks(args.corpus)
        words = discover(documents, order=args.order, min_count=args.min_count,
                         thresholds=args.thresholds, strict=args.strict, dedup=args.dedup, workers=args.workers,
                         max_memory=args.max_memory << 20, tmpdir=args.tmpdir, min_entropy=args.min_entropy,
                         boundary=args.boundary, on_stage=lambda stage: bar.update(stage),
                         on_progress=bar.update)
    finally:
        bar.close()
    text = "".join(f"{w} {c}\n" for w, c in words)
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_text(args.out, text)
        progress(f"wrote {len(words)} words to {args.out}")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser(
        "words", formatter_class=Formatter, help="new-word discovery: a lexicon from raw text",
        description="Count n-grams exactly, keep the cohesive ones (minimum PMI over their splits), cut every "
                    "sentence where no cohesive n-gram links two characters, count the pieces and backtrack "
                    "(kexue.fm/archives/6920). Input: UTF-8 or gzip files, or - for standard input; each line is "
                    "a document. Output: 'word count' lines, count-descending, ties by the word.",
        epilog="examples:\n  refspace words corpus.txt --min-count 8 --out lexicon.txt\n"
               "  zcat news.txt.gz | refspace words - --thresholds 1,3,5 --strict")
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="text files (UTF-8, gzip allowed) or - for stdin")
    p.add_argument("--order", type=int, default=4, help="longest n-gram counted (default 4)")
    p.add_argument("--min-count", type=int, default=32,
                   help="minimum count of n-grams and of words (default 32; about 8 for a corpus of a few MB)")
    p.add_argument("--thresholds", type=_thresholds, metavar="T2,T3,...",
                   help="natural-log PMI thresholds for 2..order-grams (default 2,4,6)")
    p.add_argument("--strict", action="store_true", help="backtrack strictly (every 3..order window cohesive)")
    p.add_argument("--dedup", action="store_true", help="drop duplicate lines (documents) first")
    p.add_argument("--min-entropy", type=float, metavar="H",
                   help="also drop words whose smaller left/right neighbour entropy (natural log) is below H "
                        "(HanLP uses 0.4)")
    p.add_argument("--boundary", choices=("one", "distinct"), default="one",
                   help="with --min-entropy: a sentence boundary is one neighbour symbol (HanLP) or a distinct "
                        "one per occurrence (default one)")
    p.add_argument("--workers", type=int, default=1, help="processes counting n-grams (default 1)")
    p.add_argument("--max-memory", type=int, default=1024, metavar="MIB",
                   help="working memory for counting and cutting, in MiB (default 1024); larger count tables go "
                        "to sorted runs on disk, merged exactly; the kept tables come on top")
    p.add_argument("--tmpdir", metavar="DIR", help="folder for the encoded corpus and spilled runs (default: the "
                                                    "system's temporary folder; about 2 bytes per character)")
    p.add_argument("--out", metavar="FILE", help="write the lexicon here (atomically) instead of stdout")
    p.set_defaults(func=_cmd_words)
