"""The batch on a Dask cluster gives byte for byte what the serial batch gives."""

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import batch_data as data
import pytest

from mentorkit import batch

distributed = pytest.importorskip(
    "distributed", reason="needs the dask extra: pip install 'mentorkit[dask]'"
)


ON = data.ON
SPEC: batch.PluginSpec = data.SPEC
PARTS = 6
PER_PART = 3000  # big enough that a worker is killed while partitions remain


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parts")
    for index in range(PARTS):
        data.write(root / f"part-{index:03d}.jsonl", PER_PART, start=index * 10_000, bad_every=53)
    return root


@pytest.fixture(scope="module")
def serial(parts: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What the serial batch writes for each part file."""
    out: dict[str, bytes] = {}
    root = tmp_path_factory.mktemp("serial")
    for path in sorted(parts.glob("*.jsonl")):
        target = root / path.stem
        batch.run_batch(path, target, on=ON, plugins=SPEC)
        out[f"{path.stem}.results.jsonl"] = (target / batch.RESULTS_NAME).read_bytes()
        out[f"{path.stem}.errors.jsonl"] = (target / batch.ERRORS_NAME).read_bytes()
    return out


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def _outputs(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run_dir.glob("*.jsonl"))}


class TestDask:
    """Partitions run on workers that load the plugins themselves; only counts come back."""

    def test_same_bytes_as_the_serial_run(
        self, client: object, parts: Path, serial: dict[str, bytes], tmp_path: Path
    ) -> None:
        summary = batch.run_dask(parts, tmp_path, on=ON, plugins=SPEC, run_id="r1", client=client)
        assert _outputs(tmp_path / "r1") == serial
        assert summary.records == PARTS * PER_PART
        assert summary.errors == PARTS * (PER_PART // 53)
        assert summary.results == summary.records - summary.errors
        assert isinstance(summary, batch.BatchSummary)

    def test_rerun_is_idempotent(self, client: object, parts: Path, tmp_path: Path) -> None:
        first = batch.run_dask(parts, tmp_path, on=ON, plugins=SPEC, run_id="r2", client=client)
        before = _outputs(tmp_path / "r2")
        again = batch.run_dask(
            parts, tmp_path, on=ON, plugins=SPEC, run_id="r2", client=client, skip_done=False
        )
        assert _outputs(tmp_path / "r2") == before
        assert again.counts() == first.counts()
        assert not [p for p in (tmp_path / "r2").iterdir() if p.name.endswith(".tmp")]

    def test_finished_partitions_are_skipped(
        self, client: object, parts: Path, tmp_path: Path
    ) -> None:
        first = batch.run_dask(parts, tmp_path, on=ON, plugins=SPEC, run_id="r3", client=client)
        victim = tmp_path / "r3" / "part-000.results.jsonl"
        victim.write_bytes(b"kept\n")
        again = batch.run_dask(parts, tmp_path, on=ON, plugins=SPEC, run_id="r3", client=client)
        assert victim.read_bytes() == b"kept\n"
        assert again.counts() == first.counts()

    def test_a_killed_worker_still_gives_the_serial_results(
        self, client: object, parts: Path, serial: dict[str, bytes], tmp_path: Path
    ) -> None:
        pids = list(client.run(os.getpid).values())  # type: ignore[attr-defined]
        outcome: dict[str, object] = {}

        def run() -> None:
            try:
                outcome["summary"] = batch.run_dask(
                    parts, tmp_path, on=ON, plugins=SPEC, run_id="r4", client=client
                )
            except Exception as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        run_dir = tmp_path / "r4"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list(run_dir.glob("*.counts.json")):
            time.sleep(0.01)
        done_at_kill = len(list(run_dir.glob("*.counts.json")))
        os.kill(pids[0], signal.SIGKILL)
        thread.join(timeout=50)
        assert not thread.is_alive()
        assert 1 <= done_at_kill < PARTS  # the kill came mid-run
        assert "error" not in outcome, outcome.get("error")
        summary = outcome["summary"]
        assert isinstance(summary, batch.BatchSummary)
        assert summary.records == PARTS * PER_PART
        assert _outputs(run_dir) == serial
        client.wait_for_workers(2, timeout=30)  # type: ignore[attr-defined]
        assert pids[0] not in client.run(os.getpid).values()  # type: ignore[attr-defined]
