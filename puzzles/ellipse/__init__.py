"""Can two identical elliptical sheets be bent and glued into a closed solid?
(kexue.fm/archives/6818)

Claim. Two copies of the ellipse x^2/a^2 + y^2/b^2 <= 1 (a >= b > 0), each bent along its
major axis with straight rulings perpendicular to it, glue edge to edge into a closed convex
solid, for every a >= b. The seam is (x(s), h(s), h(l - s)) with h the ellipse's minor
coordinate at arc length s from the major vertex and l the quarter perimeter; it exists
iff G(s) = 1 - h'(s)^2 - h'(l - s)^2 >= 0 on [0, l].

What this package establishes, and how:

- :mod:`.symbolic` (sympy): the arc length is a [E(m) - E(pi/2 - t | m)] with parameter
  m = 1 - b^2/a^2 (checked against direct quadrature three ways); h'(s) in closed form
  through t; the article's lemma for a >= b as three verified algebraic facts, which give
  G >= 0; the joint curvatures a/b^2 and b/a^2.
- :mod:`.numeric`: every number computed twice, SciPy in float64 and mpmath at 20-30
  digits, with no shared numerical code: l, X = x(l), V = integral of 4 Y Z dx, min G.
- :mod:`.solid`: the checks: each face unrolls isometrically onto the ellipse, total area
  2 pi a b, the seam is one closed curve of length 4 l, Y and Z are concave (so the solid is
  convex), a = b gives X = V = 0 (two flat discs); a table over a/b.
- :mod:`.curves`: the closing generalisation to two different curves, the condition that
  decides it, and a pair that does *not* glue.
- :mod:`.mesh`: a closed, outward-oriented triangle mesh (OBJ/STL); :mod:`.plot` (optional
  matplotlib): the seam with rulings and the unrolled faces over the ellipse.

Results for a = 2, b = 1 (both methods agree to about 15 digits): l = 2.42211205513692,
X = 1.56975737884074, V = 3.16746359185809; G >= 0 with minimum 0 exactly at the two joints
(s = 0 and s = l) and no interior zero.

Context: D-forms. Gluing two convex sheets of equal perimeter edge to edge is a *D-form*
(Tony Wills). By Alexandrov's gluing theorem (in Pogorelov's smooth form) the gluing
pattern, here the two ellipse boundaries matched by arc length with the major vertex of one
sheet at the minor vertex of the other, determines a unique convex body, and Demaine and
Price ("Generalized D-forms have no spurious creases", Discrete Comput. Geom. 43, 2010) show
that the sheets' interiors stay crease-free. Uniqueness lets us say more than the article:
the solid built here is *convex* (checked numerically via the concavity of Y and Z) and is
bounded by the two sheets developed without stretching (the isometry check), so it is that
unique convex body for this gluing. What we verify is numerical (concavity on a fine grid,
isometry to quadrature accuracy), not a proof of convexity for every a/b.

Run it: ``python -m puzzles.ellipse --a 2 --b 1`` or ``refspace puzzle ellipse --a 2 --b 1``.
"""
