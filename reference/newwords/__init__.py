"""New-word discovery: exact n-gram counting, PMI cohesion, cut and backtrack
(kexue.fm/archives/6920 and 4256).

:mod:`.discover` the pipeline (and the 2016 variant); :mod:`.stream` the corpus on disk,
chunked counting with spilled runs and the chunked cut; :mod:`.counting` (packed keys, the
single-sort and per-order counters) and :mod:`.cohesion` on arrays; :mod:`.cut` the article's
longest-link cut (the cross-check); :mod:`.text` step 0 on strings; :mod:`.entropy` left/right
neighbour entropy; :mod:`.evaluate` FMM, span and type scores, the People's Daily;
:mod:`.synthetic` the planted-lexicon corpus; :mod:`.baseline` the Counter implementation;
:mod:`.kenlm_compat` the 2019 script's counting; :mod:`.dask_backend` the distributed backend;
:mod:`.corpus` reading files.
"""
