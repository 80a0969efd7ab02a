"""Masking and the aligned bidirectional RNN (kexue.fm/archives/6810).

:mod:`.masks` masks from ids or lengths (batch- or time-major); :mod:`.reductions` masked sum,
mean, max, var, softmax, logsumexp and loss with backward passes and defined empty rows;
:mod:`.reverse` ``reverse_sequence``; :mod:`.birnn` the aligned bidirectional LSTM/ON-LSTM in
three formulations; :mod:`.invariance` a padding-invariance checker for any function.
"""
