"""Vector quantisation (VQ-VAE): https://kexue.fm/archives/6760 and van den Oord et al. 2017.

Article index (the article's formulas are unlabelled; named here by what they say):

===============================  ================================================================
nearest code k = argmin ||z-e||  :func:`~reference.vq.assign.nearest_codes` (ties to the lowest index)
z_q = e_k                        :func:`~reference.vq.quantise.quantise`
z + sg[z_q - z] (designed grad)  :func:`~reference.vq.quantise.vq_st_forward`, and for any f
                                 :func:`~reference.vq.straight_through.straight_through_forward`
||x - decoder(z_q)||^2           :func:`reference.ops.mse.mse_forward`
beta ||sg[z] - z_q||^2 +         :func:`~reference.vq.losses.vq_loss_forward` (codebook and
gamma ||z - sg[z_q]||^2          commitment terms, the article's split)
EMA codebook (the paper)         :func:`~reference.vq.ema.ema_update`, ``vq_ema_step``, ``restart_dead_codes``
beyond the article               :mod:`~reference.vq.rotation` (rotation trick), :mod:`~reference.vq.fsq` (FSQ;
                                 its index maps ``indices_to_codes``, ``codes_to_indices``)
===============================  ================================================================

``refspace demo vq`` (:mod:`reference.vq.demo`) trains a small VQ-VAE with these pieces.
"""
