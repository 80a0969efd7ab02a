"""The two-ellipse exploration: symbolic facts, two-way numerics, geometry checks, mesh, curves."""
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

from puzzles.ellipse import curves, solid, symbolic
from puzzles.ellipse.mesh import signed_volume, solid_mesh, write_mesh
from puzzles.ellipse.numeric import EllipseMP, EllipseSciPy


def test_symbolic_facts():
    assert symbolic.arc_length_formula()[1]
    values = symbolic.arc_length_numeric_check()
    assert max(values.values()) - min(values.values()) < 1e-14
    assert symbolic.slope_forms()[2]
    assert all(symbolic.lemma_facts().values())
    assert symbolic.joint_curvatures()["ok"]
    assert symbolic.gluing_condition()[1]


@pytest.mark.parametrize("a, b", [(2.0, 1.0), (3.0, 1.5), (1.3, 1.0)])
def test_scipy_and_mpmath_agree(a, b):
    e, m = EllipseSciPy(a, b), EllipseMP(a, b, dps=20)
    assert float(m.l) == pytest.approx(e.l, rel=1e-14)
    assert float(m.length_X()) == pytest.approx(e.length_X(), rel=1e-11)
    assert float(m.volume()) == pytest.approx(e.volume(), rel=1e-11)
    for s in np.linspace(0, e.l, 7):
        assert float(m.gluing(s)) == pytest.approx(float(e.gluing(s)), abs=1e-13)


@given(st.floats(1.0, 6.0), st.floats(0.0, 1.0))
def test_inverse_arc_length_against_direct_quadrature(ratio, frac):
    e = EllipseSciPy(ratio, 1.0)
    s = frac * e.l
    t = float(e.t_of_s(s))
    direct, _ = integrate.quad(lambda u: math.hypot(ratio * math.sin(u), math.cos(u)), 0, t, epsabs=1e-13)
    assert direct == pytest.approx(s, abs=1e-11)


@given(st.floats(1.0, 8.0))
def test_glues_for_every_a_over_b(ratio):
    e = EllipseSciPy(ratio, 1.0)
    s = np.linspace(0, e.l, 801)
    G = e.gluing(s)
    assert G.min() >= -1e-13                        # the article's theorem
    assert abs(G[0]) < 1e-13 and abs(G[-1]) < 1e-13  # zero where the vertices meet
    if ratio > 1.01:
        assert G[1:-1].min() > 0                     # and only there


def test_the_circle_gives_two_flat_discs():
    e = EllipseSciPy(1.0, 1.0)
    assert np.abs(e.gluing(np.linspace(0, e.l, 101))).max() < 1e-14
    assert e.length_X() < 1e-6 and e.volume() < 1e-6
    assert float(EllipseMP(1, 1, dps=25).length_X()) < 1e-10


@pytest.mark.parametrize("a, b", [(2.0, 1.0), (4.0, 1.0), (1.1, 1.0)])
def test_faces_unroll_onto_the_ellipse_and_the_solid_is_convex(a, b):
    e = EllipseSciPy(a, b)
    f = solid.face_checks(e)
    assert f["isometry_max_error"] < 1e-10
    assert f["area"] == pytest.approx(2 * math.pi * a * b, rel=1e-10)
    assert f["seam_length"] == pytest.approx(f["seam_length_expected"], rel=1e-5)
    assert solid.convexity(e)["convex"]


def test_table_is_monotone_in_a_over_b():
    rows = solid.table(ratios=(1.0, 1.5, 2.0, 3.0), dps=15)
    X = [r["X"] for r in rows]
    assert X[0] < 1e-6 and all(x1 < x2 for x1, x2 in zip(X, X[1:]))
    for r in rows[1:]:
        assert r["X_mp"] == pytest.approx(r["X"], rel=1e-10) and r["V_mp"] == pytest.approx(r["V"], rel=1e-10)


def _edges(tris):
    directed = Counter((int(t[k]), int(t[(k + 1) % 3])) for t in tris for k in range(3))
    return directed


@pytest.mark.parametrize("a, b", [(2.0, 1.0), (1.2, 1.0)])
def test_mesh_is_closed_oriented_and_has_the_right_volume(a, b):
    e = EllipseSciPy(a, b)
    verts, tris = solid_mesh(e, n=120, m=12)
    directed = _edges(tris)
    assert all(c == 1 for c in directed.values())                 # consistent orientation
    assert all((q, p) in directed for p, q in directed)           # every edge in exactly two triangles
    n_edges = len(directed) // 2
    assert len(verts) - n_edges + len(tris) == 2                   # a sphere
    assert signed_volume(verts, tris) == pytest.approx(e.volume(), rel=2e-3)   # > 0: outward normals


def test_mesh_files(tmp_path):
    verts, tris = solid_mesh(EllipseSciPy(2, 1), n=20, m=4)
    obj, stl = tmp_path / "s.obj", tmp_path / "s.stl"
    write_mesh(obj, verts, tris)
    write_mesh(stl, verts, tris)
    lines = obj.read_text().splitlines()
    assert sum(l.startswith("v ") for l in lines) == len(verts) and sum(l.startswith("f ") for l in lines) == len(tris)
    assert stl.read_text().count("facet normal") == len(tris)
    with pytest.raises(ValueError, match="expected a file name ending in .obj or .stl"):
        write_mesh(tmp_path / "s.ply", verts, tris)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.obj", "s.stl"]


def test_two_different_curves():
    verdicts = {name: curves.pair_condition(p, q) for name, p, q in curves.EXAMPLES}
    glue = [r["glues"] for r in verdicts.values()]
    assert glue == [True, True, True, False]
    for r in verdicts.values():
        assert r["min_G_mpmath"] == pytest.approx(r["min_G"], abs=1e-12)
        assert r["joints_ok"] == r["glues"]          # here the joint curvatures decide


def test_plot_when_matplotlib_is_installed(tmp_path):
    pytest.importorskip("matplotlib")
    from puzzles.ellipse.plot import draw, unrolled_faces

    (u1, v1), (u2, v2) = unrolled_faces(EllipseSciPy(2, 1), n=400)
    assert np.abs((u1 / 2) ** 2 + v1**2 - 1).max() < 1e-4   # the unrolled outline is the ellipse
    assert np.abs((u2 / 2) ** 2 + v2**2 - 1).max() < 1e-4
    path = tmp_path / "e.png"
    draw(2, 1, path, n=100)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_axes():
    with pytest.raises(ValueError, match="a: expected a finite positive semi-axis, got 0"):
        EllipseSciPy(0, 1)
    with pytest.raises(ValueError, match="b: expected a finite positive semi-axis, got inf"):
        EllipseMP(1, math.inf)
    with pytest.raises(TypeError, match="a: expected a number"):
        EllipseSciPy("two", 1)
