"""GAN building blocks (kexue.fm/archives/6549, 6051). So far: :mod:`.norm`, batch norm with
every convention named, conditional BN (SELF-MOD's modulation) and AdaIN; :mod:`.spectral`,
spectral normalisation in the three semantics found in the wild; :mod:`.conv`, Conv2D (NHWC)
and Conv2DTranspose as its exact adjoint; :mod:`.resample`, nearest upsampling, average
pooling, LeakyReLU, the residual merge and the checkerboard overlap counts;
:mod:`.operator_norm`, a convolution's true operator norm (power iteration, FFT closed form);
:mod:`.selfmod`, SELF-MOD's networks, the cGAN input, StyleGAN's style modulation and
constant input."""
