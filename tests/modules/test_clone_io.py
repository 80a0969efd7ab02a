"""Clone policies (ties kept, to any depth) and tie-keeping .npz save/load."""
import os

import numpy as np
import pytest

from reference.modules import (Dense, Embedding, EmbeddingDense, Input, Model, Sequential, VectorQuantizer, clone,
                               load_module, save_module)
from reference.modules.io import TABLE


def _nested(rng):
    """A model inside a model, with a tied embedding/output pair and a reused layer."""
    emb = Embedding(6, 3, rng=rng)
    shared = Dense(3, 3, activation="tanh", rng=rng)
    x = Input("ids")
    inner = Model(x, shared(shared(emb(x))))
    z = Input("ids")
    return Model(z, EmbeddingDense(emb, activation=None)(inner(z)))


def _ids():
    return np.array([[0, 5, 5], [2, 1, 0]])


def test_copy_gives_new_objects_with_equal_outputs_and_independent_updates():
    rng = np.random.default_rng(0)
    model = _nested(rng)
    twin = clone(model, "copy")
    ours, theirs = model.parameters(), twin.parameters()
    assert len(ours) == len(theirs) == 4 and not {id(p) for p in ours} & {id(p) for p in theirs}
    assert [p.shape for p in ours] == [p.shape for p in theirs]
    np.testing.assert_array_equal(twin(_ids()), model(_ids()))
    theirs[0].value += 1.0
    assert not np.array_equal(twin(_ids()), model(_ids()))
    # the tie is the clone's own: its output layer reads the clone's embedding
    out = twin.layers[-1]
    assert out.W.base is theirs[0] and out.W.base is not ours[0]


def test_fresh_draws_new_values_from_the_generator_and_keeps_ties():
    rng = np.random.default_rng(1)
    model = _nested(rng)
    a, b = clone(model, "fresh", rng=np.random.default_rng(5)), clone(model, "fresh", rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a(_ids()), b(_ids()))                          # reproducible by the seed
    assert not np.allclose(a(_ids()), model(_ids()))                            # new values
    assert len(a.parameters()) == 4 and a.layers[-1].W.base is a.parameters()[0]
    c = clone(model, "fresh", rng=5)                                            # an int seed, as default_rng(5)
    np.testing.assert_array_equal(c(_ids()), a(_ids()))
    with pytest.raises(TypeError, match="rng: expected an int seed"):
        clone(model, "fresh", rng="5")


def test_share_gives_new_modules_over_the_same_parameters():
    rng = np.random.default_rng(2)
    model = _nested(rng)
    twin = clone(model, "share")
    assert twin is not model and [id(p) for p in twin.parameters()] == [id(p) for p in model.parameters()]
    with pytest.raises(ValueError, match="policy: expected one of"):
        clone(model, "deep")


def _save_load(tmp_path, model, target):
    path = tmp_path / "m.npz"
    save_module(path, model)
    load_module(path, target)
    return path


def test_ties_are_stored_once_and_restored_as_one_object(tmp_path):
    rng = np.random.default_rng(3)
    model = _nested(rng)
    path = tmp_path / "m.npz"
    save_module(path, model)
    with np.load(path, allow_pickle=False) as data:
        stored = sorted(k for k in data.files if k != TABLE)
    assert len(stored) == len(model.parameters()) == 4                         # each tensor once
    # a model built untied (separate output kernel, separate reuse) is tied again by loading
    emb, d1, d2 = Embedding(6, 3, rng=rng), Dense(3, 3, activation="tanh", rng=rng), Dense(3, 3, activation="tanh", rng=rng)
    x = Input("ids")
    inner = Model(x, d2(d1(emb(x))))
    z = Input("ids")
    untied = Model(z, Dense(3, 6, rng=rng)(inner(z)))
    with pytest.raises(ValueError, match="extra entry|missing entry"):          # a different architecture
        load_module(path, untied)
    same = _nested(np.random.default_rng(9))
    load_module(path, same)
    np.testing.assert_array_equal(same(_ids()), model(_ids()))
    assert same.layers[-1].W.base is same.parameters()[0]


def test_an_untied_module_is_tied_again_including_a_transposed_tie(tmp_path):
    rng = np.random.default_rng(4)
    emb = Embedding(5, 3, rng=rng)
    model = Sequential(emb, EmbeddingDense(emb, activation=None))
    untied = Sequential(Embedding(5, 3, rng=rng), Dense(3, 5, rng=rng))
    _save_load(tmp_path, model, untied)
    assert untied.layers[1].W.base is untied.layers[0].weight
    ids = np.array([1, 1, 4])
    np.testing.assert_array_equal(untied(ids), model(ids))
    assert len(untied.parameters()) == 2                                       # E and the output bias


def test_loading_refuses_mismatches_by_name_and_leaves_the_module_alone(tmp_path):
    rng = np.random.default_rng(5)
    model = Sequential(Dense(3, 4, rng=rng), Dense(4, 2, rng=rng))
    path = tmp_path / "m.npz"
    save_module(path, model)
    cases = [
        (Sequential(Dense(3, 4, rng=rng)), "extra entry 'layers.1.W'"),
        (Sequential(Dense(3, 4, rng=rng), Dense(4, 2, rng=rng), Dense(2, 2, rng=rng)), "missing entry 'layers.2.W'"),
        (Sequential(Dense(3, 5, rng=rng), Dense(5, 2, rng=rng)), r"entry 'layers.0.W': shape \(3, 4\), the module "
                                                                r"expects \(3, 5\)"),
    ]
    for target, message in cases:
        before = [p.value.copy() for p in target.parameters()]
        with pytest.raises(ValueError, match=message):
            load_module(path, target)
        assert all(np.array_equal(p.value, b) for p, b in zip(target.parameters(), before))
    shared = Dense(4, 4, rng=rng)
    other = Sequential(Dense(3, 4, rng=rng), Dense(4, 4, kernel=shared.W), Dense(4, 4, kernel=shared.W))
    save_module(tmp_path / "two.npz", Sequential(Dense(3, 4, rng=rng), Dense(4, 4, rng=rng), Dense(4, 4, rng=rng)))
    with pytest.raises(ValueError, match="stored on its own, but the module ties it to 'layers.1.W'"):
        load_module(tmp_path / "two.npz", other)


def test_files_are_data_and_writes_are_atomic(tmp_path, monkeypatch):
    rng = np.random.default_rng(6)
    model = Sequential(Dense(2, 2, rng=rng), VectorQuantizer(3, 2, rng=rng))
    path = tmp_path / "m.npz"
    save_module(path, model)
    twin = Sequential(Dense(2, 2, rng=rng), VectorQuantizer(3, 2, rng=rng))
    load_module(path, twin)
    np.testing.assert_array_equal(twin.layers[1].codebook.value, model.layers[1].codebook.value)   # states too
    # an object array (a pickle) in place of the table is refused, never unpickled
    np.savez(tmp_path / "evil.npz", **{TABLE: np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ValueError, match="not a readable .npz|pickle"):
        load_module(tmp_path / "evil.npz", twin)
    np.savez(tmp_path / "bad.npz", **{TABLE: np.array('{"format": 1, "entries": [{"path": 3}]}')})
    with pytest.raises(ValueError, match=r"entries\[0\]: expected path"):
        load_module(tmp_path / "bad.npz", twin)
    # a failed write leaves the old file whole and no temporary file behind
    old = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        save_module(path, twin)
    assert path.read_bytes() == old and sorted(os.listdir(tmp_path)) == ["bad.npz", "evil.npz", "m.npz"]
