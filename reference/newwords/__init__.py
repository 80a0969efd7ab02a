"""New-word discovery: exact n-gram counting, PMI cohesion, cut and backtrack
(kexue.fm/archives/6920 and 4256). See :mod:`.discover` for the pipeline."""
