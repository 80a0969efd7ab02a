"""Pictures (optional: needs matplotlib, ``pip install "refspace[plot]"``).

Left: the seam in 3-D (four quarter arcs) with a few straight rulings of each sheet. Right:
both faces unrolled (profile arc length measured from the crease, half-ruling lengths across)
drawn over the flat ellipse: they coincide, which is the isometry check made visible.
"""
from __future__ import annotations

import numpy as np

from reference.core.plotting import pyplot, save_figure

from .numeric import EllipseSciPy


def unrolled_faces(e: EllipseSciPy, n: int = 400):
    """(u, v) outlines of the two sheets unrolled from the 3-D faces (polyline arc lengths)."""
    s, x, Y, Z = e.seam(n)
    top = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(Z)))])   # along (x, Z) from x = 0
    side = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(Y)))])  # along (x, Y) from x = 0
    u_top = top[-1] - top        # measured from the top sheet's crease at x = X
    return (u_top, Y), (side, Z)


def draw(a, b, path, n: int = 400) -> None:
    """Write the figure to ``path`` (PNG, SVG or PDF by extension), atomically."""
    plt = pyplot()
    e = EllipseSciPy(a, b)
    s, x, Y, Z = e.seam(n)
    fig = plt.figure(figsize=(11, 5))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    for sy in (1, -1):
        for sz in (1, -1):
            ax.plot(x, sy * Y, sz * Z, color="tab:blue" if sz > 0 else "tab:green")
    for i in np.linspace(0, n, 9).astype(int):
        for sz in (1, -1):
            ax.plot([x[i], x[i]], [-Y[i], Y[i]], [sz * Z[i]] * 2, color="tab:blue", lw=0.6)
        for sy in (1, -1):
            ax.plot([x[i], x[i]], [sy * Y[i]] * 2, [-Z[i], Z[i]], color="tab:orange", lw=0.6)
    ax.set_title(f"seam and rulings, a={a:g}, b={b:g}")
    ax.set_box_aspect((max(x[-1], 1e-3), 2 * e.b, 2 * e.b))
    ax2 = fig.add_subplot(1, 2, 2)
    t = np.linspace(0, 2 * np.pi, 400)
    ax2.plot(e.a * np.cos(t), e.b * np.sin(t), color="black", lw=3, alpha=0.3, label="flat ellipse")
    (u1, v1), (u2, v2) = unrolled_faces(e, n)
    for su in (1, -1):
        for sv in (1, -1):
            ax2.plot(su * u1, sv * v1, color="tab:blue", lw=1, label="top/bottom sheet unrolled" if su == sv == 1 else None)
            ax2.plot(su * u2, sv * v2, "--", color="tab:orange", lw=1, label="side sheet unrolled" if su == sv == 1 else None)
    ax2.set_aspect("equal")
    ax2.legend(loc="center", fontsize=8)
    ax2.set_title("faces unrolled onto the ellipse")
    save_figure(fig, path, dpi=110)
