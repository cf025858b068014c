"""Scale-out: the same flow on a dask.distributed cluster (two worker processes) stores the same
records as a local run on threads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.digitise import run_digitise
from pipeline.digitise import get_store
from pipeline.options import Options

pytestmark = pytest.mark.slow


def _export(db_url: str) -> list[dict]:
    return list(get_store(db_url).iter_export())


def test_dask_cluster_run_stores_what_a_local_run_stores(tmp_path: Path, samples_dir: Path) -> None:
    distributed = pytest.importorskip("distributed")
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in ("cccd_front_002.jpg", "birth_certificate_001.pdf"):
        shutil.copy(samples_dir / name, batch / name)

    def options(name: str) -> Options:
        # Absolute paths: the workers are other processes and must find the same database.
        return Options(
            db_url=f"sqlite:///{tmp_path / name}.db", data_dir=tmp_path / name, workers=2
        )

    local = run_digitise([str(batch)], options("local"))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = run_digitise(
            [str(batch)], options("dask"), dask_address=cluster.scheduler_address
        )
        with distributed.Client(cluster) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    # The pages were read by the two worker processes, not by the flow's own threads.
    assert sum(executed.values()) >= local.totals()["pages"]
    assert on_dask.totals() | {"seconds": 0} == local.totals() | {"seconds": 0}
    exported = _export(options("dask").db_url)
    assert exported and exported == _export(options("local").db_url)
    assert len(list((tmp_path / "dask" / "pages").rglob("*.png"))) == local.totals()["pages"]
