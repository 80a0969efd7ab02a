"""What ``refspace puzzle ellipse`` computes and prints."""
from __future__ import annotations

from . import curves, solid
from .numeric import check_axes


def normalise_axes(a, b) -> tuple[float, float, str | None]:
    """Validate; if b > a, swap so that the sheets are bent along the major axis (with a note)."""
    a, b = check_axes(a, b)
    if b > a:
        return b, a, f"note: b > a, so the axes were swapped to a={b:g}, b={a:g} (bending along the major axis)"
    return a, b, None


def run(a, b, *, dps: int = 20, table: bool = True, pairs: bool = True) -> dict:
    result = {"ellipse": solid.analyse(a, b, dps=dps)}
    if table:
        result["table"] = solid.table()
    if pairs:
        result["pairs"] = [{"pair": name, **curves.pair_condition(p, q)} for name, p, q in curves.EXAMPLES]
    return result


def format_report(r: dict) -> str:
    e = r["ellipse"]
    g, faces, conv = e["gluing"], e["faces"], e["convexity"]
    lines = [f"two-ellipse solid, a={e['a']:g}, b={e['b']:g}",
             f"  {'quantity':<34} {'SciPy float64':>22} {'mpmath':>26}"]
    for key, label in (("l", "quarter perimeter l"), ("X", "length X = x(l)"), ("V", "volume V")):
        lines.append(f"  {label:<34} {e[key]['scipy']:>22.15g} {e[key]['mpmath']:>26}")
    lines.append(f"  {'min G over [0, l]':<34} {g['min']:>22.3g} {g['min_mpmath']:>26.3g}   at s = {g['at_s']:.6g}")
    lines.append(f"  {'min G over the middle 90%':<34} {g['interior_min_5pct']:>22.6g} "
                 f"{g['interior_min_mpmath']:>26.6g}   at s = {g['interior_at_s']:.6g}")
    lines += [f"  glues: {'yes' if g['min'] >= -1e-12 else 'NO'} (G >= 0; zero only where the sheets' vertices meet)",
              f"  checks: isometry error {faces['isometry_max_error']:.1e}; area {faces['area']:.12g} "
              f"(2 pi a b = {faces['area_expected']:.12g}); seam {faces['seam_length']:.8g} "
              f"(4 l = {faces['seam_length_expected']:.8g}); convex: "
              + ("yes" if conv["convex"] else "NO") + (" (degenerate: a = b, flat)" if conv["degenerate"] else "")]
    if "table" in r:
        lines += ["", "  a/b       l (SciPy)       l (mpmath)      X (SciPy)       X (mpmath)      V (SciPy)"
                      "       V (mpmath)   min G"]
        for row in r["table"]:
            lines.append(f"  {row['a/b']:<5g} " + " ".join(f"{row[k]:>15.10g}" for k in ("l", "l_mp", "X", "X_mp", "V",
                                                                                      "V_mp"))
                         + f" {row['min_G']:>7.1g}")
    if "pairs" in r:
        lines += ["", "  two different curves (sheet 2 scaled to sheet 1's perimeter):"]
        for p in r["pairs"]:
            lines.append(f"  - {p['pair']}: {'glues' if p['glues'] else 'does NOT glue'}; min G = {p['min_G']:.4g} "
                         f"(mpmath {p['min_G_mpmath']:.4g}) at s = {p['at_s']:.4g}; joint curvatures "
                         + ("ok" if p["joints_ok"] else "violated"))
    return "\n".join(lines)

