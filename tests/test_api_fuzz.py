"""Every public function of the package, handed a wrong kind of value for each required argument,
refuses it with TypeError/ValueError, never a raw AttributeError/IndexError/OverflowError from
deep inside and never a hang (issue 27, item 6). The table is generated: every function without a
leading underscore in every module except the command line, benchmarks, the op pairs (probed in
tests/test_api_probes.py) and the long-running drivers named below.

The wrong values are independent of the functions (a complex array, text, None, -1, NaN, an
empty array, a bare object, a 1-d array, an integer too large for C), so what must happen is
stated by the rule alone.
"""
import importlib
import inspect
import pkgutil
import signal

import numpy as np
import pytest

import reference

SKIP_MODULES = (".bench", ".commands", ".cli", ".console", ".pytest_plugin", ".conformance_tests", ".examples",
                ".__main__", ".cases",
                # the toolkit's own plumbing, called with checked values by the package itself
                ".verify.sandbox", ".core.files", ".core.plotting", ".core.registry", ".core.strategies",
                ".core.validate", ".core.pytree", ".core.extras", ".verify.live", ".verify.golden",
                ".verify.adapters", ".verify.example",
                # the spec forms: the articles' equations alone, no validation (the kernels are the checked API)
                ".spec")
# drivers that train, read installed corpora or write files: exercised by their own tests
SKIP_FUNCTIONS = {"run", "train", "main", "discover_dask", "run_ring", "run_digits", "train_gan", "train_classifier",
                  "train_score_mlp", "train_dde", "peoples_daily", "jieba_dictionary", "planted_corpus", "workspace",
                  "load_digits", "digits_path", "peoples_daily_path", "perplexity", "plot_usage", "estimate_errors",
                  "check_padding_invariance", "encode_stream", "count_stream", "cut_stream", "iter_documents",
                  "vocabulary"}
BAD = {"complex": np.ones((3, 2)) + 1j, "text": "abc", "none": None, "negative": -1, "nan": float("nan"),
       "empty": np.zeros((0, 2)), "object": object(), "1-d": np.ones(3), "huge int": 10**30}


def _functions():
    out = []
    for info in pkgutil.walk_packages(reference.__path__, "reference."):
        if any(part in info.name + "." for part in (s + "." for s in SKIP_MODULES)) or info.name.endswith(SKIP_MODULES):
            continue
        module = importlib.import_module(info.name)
        for name, fn in list(vars(module).items()):
            if (name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != info.name
                    or name in SKIP_FUNCTIONS or name.endswith(("_forward", "_backward", "_into"))):
                continue
            out.append((f"{info.name}.{name}", fn))
    return out


FUNCTIONS = _functions()
ROWS = [(name, fn, kind) for name, fn in FUNCTIONS for kind in BAD]


class _Hung(BaseException):
    pass


def _alarm(signum, frame):
    raise _Hung


def test_the_table_covers_the_public_api():
    names = {name for name, _ in FUNCTIONS}
    assert len(names) > 150
    assert {"reference.vq.ema.code_sums", "reference.onlstm.parse.distances", "reference.newwords.text.q2b",
            "reference.masking.birnn.final_hidden", "reference.vq.init.kmeans"} <= names


@pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")   # an imaginary part dropped silently
@pytest.mark.filterwarnings("error:Mean of empty slice:RuntimeWarning")  # a NaN in the making
@pytest.mark.parametrize("name, fn, kind", ROWS, ids=[f"{n}-{k}" for n, _, k in ROWS])
def test_a_wrong_value_is_refused_with_a_message(name, fn, kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                   # a path-like "abc" names nothing that exists
    required = [p for p in inspect.signature(fn).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, 5.0)
    try:
        with np.errstate(all="ignore"):
            result = fn(*[BAD[kind]] * len(required))
            if inspect.isgenerator(result):
                next(result, None)
    except (TypeError, ValueError):
        pass
    except _Hung:
        pytest.fail(f"{name} did not return within 5 s on a {kind} argument")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
