"""The Dask backend gives the single-process lexicon, on a local cluster of worker processes
and with Dask's default scheduler, whatever the partitioning."""
import pytest

from reference.newwords.discover import discover
from reference.newwords.synthetic import planted_corpus

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")


def test_a_local_cluster_gives_the_single_process_result():
    from reference.newwords.dask_backend import discover_dask

    text, _, _ = planted_corpus(5, n_chars=60_000, planted_every=40)
    docs = text.split("。")
    want = discover(docs, min_count=8)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        for n_parts in (1, 3, 7):
            parts = [docs[i::n_parts] for i in range(n_parts)]
            assert discover_dask(parts, client=client, min_count=8, split_every=2) == want
    assert discover_dask([docs[:100], docs[100:]], min_count=8) == want        # the default scheduler
    assert len(want) > 50


def test_it_refuses_nothing_to_do():
    from reference.newwords.dask_backend import discover_dask

    with pytest.raises(ValueError, match="at least one partition"):
        discover_dask([])
    with pytest.raises(ValueError, match="split_every"):
        discover_dask([["a"]], split_every=1)
