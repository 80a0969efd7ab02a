"""GAN building blocks (kexue.fm/archives/6549, 6051).

==========================  ===========================================================
:mod:`.norm`                batch norm with every convention named, running statistics,
                            conditional BN (SELF-MOD's modulation), AdaIN
:mod:`.selfmod`             SELF-MOD's networks, the cGAN input, StyleGAN's style modulation
                            and constant input
:mod:`.spectral`            spectral normalisation in the three semantics found in the wild
:mod:`.conv`                Conv2D (NHWC) and Conv2DTranspose as its exact adjoint
:mod:`.resample`            nearest upsampling, average pooling, LeakyReLU, the residual
                            merge, the checkerboard overlap counts
:mod:`.operator_norm`       a convolution's true operator norm (power iteration, FFT form)
:mod:`.layers`              the ops as modules (``reference.modules``), BN with running state
:mod:`.assemblies`          DCGAN, ResNet and MLP generators/discriminators, block order
                            documented
:mod:`.losses`              the logistic GAN loss, the Fréchet distance
:mod:`.digits`              the 8x8 digits read from scikit-learn's wheel (never imported)
:mod:`.demo`                ``refspace demo gan``: BN against SELF-MOD BN
==========================  ===========================================================
"""
