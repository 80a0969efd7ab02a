"""From denoising autoencoders to generative models (kexue.fm/archives/7038).

==========================  ===========================================================
:mod:`.exact`               Gaussian, mixture and empirical (KDE) data: smoothed density,
                            score, posterior-mean denoiser (Tweedie), its Jacobian, MMSE,
                            energies in both sign conventions, sampling
:mod:`.losses`              DAE, DSM (NCSN weighting), control-variate DSM, multi-scale MDSM,
                            explicit score matching, each with backward
:mod:`.fit`                 polynomial and random Fourier features; least-squares score,
                            denoiser and energy; a noise-conditional MLP score (DSM, Adam)
:mod:`.samplers`            Langevin in both step conventions, sigma- and temperature-annealed,
                            predictor-corrector, the final denoising step, the exact ULA bias
:mod:`.dde`                 the denoising density estimator loop and its generator gradient
:mod:`.demo`                ``refspace demo score``
==========================  ===========================================================

The symbolic half (Tweedie, the DDE energy, the frozen-E_q gradient, the Langevin variance ...)
is ``puzzles.denoising`` (``refspace puzzle denoising``).
"""
