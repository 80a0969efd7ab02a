"""A closed, consistently oriented triangle mesh of the two-ellipse solid, written as OBJ or STL.

The four faces (top z = Z(x), bottom z = -Z(x), sides y = +-Y(x)) are sampled on the seam
grid s_0 .. s_n (clustered at the ends) with ``m`` points across each ruling. Vertices on the
seam, on the two creases (the minor axes at x = 0 and x = X) and at the four corners are
shared between faces, degenerate triangles (where a ruling has zero length) are dropped,
and all triangles are oriented with outward normals. The tests check that every edge is
shared by exactly two triangles in opposite directions, that V - E + F = 2, and that the
signed volume is close to the integral V.

Example
-------
>>> from puzzles.ellipse.numeric import EllipseSciPy
>>> verts, tris = solid_mesh(EllipseSciPy(2, 1), n=20, m=6)
>>> bool(abs(signed_volume(verts, tris) - 3.1675) < 0.05)
True
"""
from __future__ import annotations

import os

import numpy as np

from reference.core.files import write_text

from .numeric import EllipseSciPy


def solid_mesh(e: EllipseSciPy, n: int = 200, m: int = 24):
    """Vertices (V, 3) and triangles (F, 3) of the solid for the ellipse ``e``."""
    if n < 2 or m < 2:
        raise ValueError(f"n, m: expected at least 2 samples each, got n={n}, m={m}")
    s, x, Y, Z = e.seam(n)
    if Y[0] != 0 or Z[-1] != 0:
        Y, Z = Y.copy(), Z.copy()
        Y[0], Z[-1] = 0.0, 0.0          # exact creases: h(0) = 0 and h(l - l) = 0
    index: dict = {}
    verts: list = []

    def vid(key, point):
        if key not in index:
            index[key] = len(verts)
            verts.append(point)
        return index[key]

    def top_bottom(i, j, sz):
        """Vertex j across the ruling of the top (sz=+1) or bottom (sz=-1) face at seam sample i."""
        y = Y[i] * (2 * j / m - 1)
        if i == 0:
            return vid(("tip", sz), (x[0], 0.0, sz * Z[0]))           # ruling of length 0
        if j in (0, m):
            return seam(i, -1 if j == 0 else 1, sz)
        if i == n:
            return vid(("creaseX", j), (x[n], y, 0.0))                 # shared by top and bottom
        return vid(("face", sz, i, j), (x[i], y, sz * Z[i]))

    def side(i, k, sy):
        """Vertex k across the ruling of the side y = sy * Y(x) at seam sample i."""
        zz = Z[i] * (2 * k / m - 1)
        if i == n:
            return vid(("corner", sy), (x[n], sy * Y[n], 0.0))        # ruling of length 0
        if k in (0, m):
            return seam(i, sy, -1 if k == 0 else 1)
        if i == 0:
            return vid(("crease0", k), (x[0], 0.0, zz))                # shared by both sides
        return vid(("side", sy, i, k), (x[i], sy * Y[i], zz))

    def seam(i, sy, sz):
        if i == 0:
            return vid(("tip", sz), (x[0], 0.0, sz * Z[0]))
        if i == n:
            return vid(("corner", sy), (x[n], sy * Y[n], 0.0))
        return vid(("seam", i, sy, sz), (x[i], sy * Y[i], sz * Z[i]))

    tris = []

    def quad(p00, p01, p10, p11, flip):
        for tri in ((p00, p10, p11), (p00, p11, p01)):
            if len(set(tri)) == 3:
                tris.append(tri[::-1] if flip else tri)

    for i in range(n):
        for j in range(m):
            for sz in (1, -1):   # top / bottom: normal along +-z
                quad(top_bottom(i, j, sz), top_bottom(i, j + 1, sz), top_bottom(i + 1, j, sz),
                     top_bottom(i + 1, j + 1, sz), flip=(sz == -1))
            for sy in (1, -1):   # sides: normal along +-y
                quad(side(i, j, sy), side(i, j + 1, sy), side(i + 1, j, sy), side(i + 1, j + 1, sy),
                     flip=(sy == 1))
    return np.array(verts, dtype=float), np.array(tris, dtype=np.int64)


def signed_volume(verts, tris) -> float:
    """Divergence theorem: sum of det(v0, v1, v2) / 6; positive for outward normals."""
    v = verts[tris]
    return float(np.einsum("fi,fi->f", v[:, 0], np.cross(v[:, 1], v[:, 2])).sum() / 6)


def write_mesh(path, verts, tris) -> str:
    """Write OBJ (``.obj``) or ASCII STL (``.stl``), chosen by the file extension, atomically.
    Returns the format written."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext == ".obj":
        lines = ["# two-ellipse solid (refspace puzzles.ellipse)"]
        lines += [f"v {a:.12g} {b:.12g} {c:.12g}" for a, b, c in verts]
        lines += [f"f {p + 1} {q + 1} {r + 1}" for p, q, r in tris]
    elif ext == ".stl":
        lines = ["solid two_ellipse"]
        for tri in verts[tris]:
            nrm = np.cross(tri[1] - tri[0], tri[2] - tri[0])
            nrm = nrm / (np.linalg.norm(nrm) or 1.0)
            lines.append(f"  facet normal {nrm[0]:.9g} {nrm[1]:.9g} {nrm[2]:.9g}\n    outer loop")
            lines += [f"      vertex {a:.12g} {b:.12g} {c:.12g}" for a, b, c in tri]
            lines.append("    endloop\n  endfacet")
        lines.append("endsolid two_ellipse")
    else:
        raise ValueError(f"mesh: expected a file name ending in .obj or .stl, got {os.fspath(path)!r}")
    write_text(path, "\n".join(lines) + "\n")
    return ext[1:]
