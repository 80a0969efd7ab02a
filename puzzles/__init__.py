"""refspace maths sandbox: runnable sympy/mpmath explorations, one module per exploration.

Each exploration states its claim, derives it symbolically, checks it numerically two
independent ways, and runs on its own (``python -m puzzles.<name>``) or through
``refspace puzzle <name>``.
"""

#: name -> (module, one-line summary); ``refspace puzzle list`` prints these
EXPLORATIONS = {
    "ellipse": ("puzzles.ellipse", "can two identical elliptical sheets be bent and glued into a closed solid? "
                                   "(kexue.fm/archives/6818)"),
    "identities": ("puzzles.identities", "ON-LSTM level identity, cumax backward, VQ gradient split, "
                                         "straight-through"),
    "denoising": ("puzzles.denoising", "posterior-mean denoiser, Tweedie, DDE energy, frozen-E_q gradient, Langevin "
                                       "variance, shrinkage, tempering, MDSM optimum (kexue.fm/archives/7038)"),
}
