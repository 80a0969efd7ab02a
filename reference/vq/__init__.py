"""Vector quantisation (VQ-VAE), kexue.fm/archives/6760 and van den Oord et al. 2017."""
