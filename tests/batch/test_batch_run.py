"""The streaming batch: results, per-record errors, checkpoints and restarts."""

import json
import sys
from pathlib import Path
from typing import Any

import batch_data as data
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import batch
from mentorkit.testing.sample import SamplePlugin

ON = data.ON
SPEC: batch.PluginSpec = data.SPEC


@pytest.fixture(scope="module")
def engine() -> mk.Engine:
    return mk.Engine(mk.Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True))


def _expected(lines: list[str], engine: mk.Engine) -> tuple[list[str], list[int]]:
    """Result lines computed one by one through the public API, and the bad line numbers."""
    results, bad = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = mk.loads(line, batch.BatchRecord)
        except mk.DecodeError:
            bad.append(number)
            continue
        evaluation = engine.evaluate(record.business, record.observations, on=ON)
        results.append(mk.dumps(evaluation))
    return results, bad


def _read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


class TestResults:
    """Each good line gives the engine's evaluation, in input order; nothing is invented."""

    def test_results_are_the_engines_evaluations(self, tmp_path: Path, engine: mk.Engine) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 60)
        summary = batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        expected, bad = _expected(_read(source), engine)
        assert bad == []
        assert _read(tmp_path / "out" / batch.RESULTS_NAME) == expected
        assert summary.records == summary.results == 60
        assert summary.errors == 0
        assert summary.assessments == sum(len(json.loads(line)["assessments"]) for line in expected)
        assert summary.referrals == sum(len(json.loads(line)["referrals"]) for line in expected)

    def test_result_lines_decode_back_to_evaluations(
        self, tmp_path: Path, engine: mk.Engine
    ) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 10)
        batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        lines = _read(tmp_path / "out" / batch.RESULTS_NAME)
        for raw, line in zip(_read(source), lines, strict=True):
            record = mk.loads(raw, batch.BatchRecord)
            expected = engine.evaluate(record.business, record.observations, on=ON)
            assert mk.loads(line, mk.Evaluation) == expected

    def test_plain_business_lines_are_accepted(self, tmp_path: Path, engine: mk.Engine) -> None:
        source = tmp_path / "plain.jsonl"
        businesses = [r["business"] for r in data.records(5)]
        source.write_text("".join(json.dumps(b) + "\n" for b in businesses), encoding="utf-8")
        batch.run_batch(source, tmp_path / "out", on=ON, plugins=engine)
        lines = _read(tmp_path / "out" / batch.RESULTS_NAME)
        assert [json.loads(line)["business_id"] for line in lines] == [b["id"] for b in businesses]
        for business, line in zip(businesses, lines, strict=True):
            expected = engine.evaluate(mk.decode(business, mk.Business), on=ON)
            assert line == mk.dumps(expected)

    def test_directory_input_reads_part_files_in_name_order(self, tmp_path: Path) -> None:
        parts = tmp_path / "parts"
        parts.mkdir()
        data.write(parts / "b.jsonl", 3, start=100)
        data.write(parts / "a.jsonl", 3, start=0)
        (parts / "notes.txt").write_text("not input", encoding="utf-8")
        summary = batch.run_batch(parts, tmp_path / "out", on=ON, plugins=SPEC)
        ids = [json.loads(x)["business_id"] for x in _read(tmp_path / "out" / batch.RESULTS_NAME)]
        assert ids == [f"B-{n:06d}" for n in (0, 1, 2, 100, 101, 102)]
        assert summary.records == 6

    def test_observation_problems_stay_in_the_result(self, tmp_path: Path) -> None:
        record = next(data.records(1))
        observations = record["observations"]
        assert isinstance(observations, list)
        observations.append({**observations[0], "criterion_id": "no-such-criterion"})
        source = tmp_path / "in.jsonl"
        source.write_text(json.dumps(record) + "\n", encoding="utf-8")
        summary = batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        (line,) = _read(tmp_path / "out" / batch.RESULTS_NAME)
        issues = json.loads(line)["issues"]
        assert [i["path"] for i in issues] == [
            f"$.observations[{len(observations) - 1}].criterion_id"
        ]
        assert summary.issues == 1
        assert summary.errors == 0


class TestErrors:
    """Bad lines go to errors.jsonl with line number and field paths; good ones are kept."""

    def test_good_records_survive_bad_ones(self, tmp_path: Path, engine: mk.Engine) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 50, bad_every=7)
        with open(source, "a", encoding="utf-8") as out:
            out.write("\n{not json\n[1, 2]\n")
        summary = batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        expected, bad = _expected(_read(source), engine)
        assert bad == [7, 14, 21, 28, 35, 42, 49, 52, 53]
        assert _read(tmp_path / "out" / batch.RESULTS_NAME) == expected
        errors = [json.loads(x) for x in _read(tmp_path / "out" / batch.ERRORS_NAME)]
        assert [e["line"] for e in errors] == bad
        assert summary.errors == len(bad)
        assert summary.results == 50 - 7
        assert summary.records == 52  # the blank line is not a record
        first = errors[0]
        assert first["business_id"] == "B-000006"
        assert first["input"] == str(source)
        assert first["issues"] == [
            {"path": "$.business.sector", "message": "value is not one of the allowed values"}
        ]
        assert errors[-2]["issues"][0]["message"].startswith("not valid JSON")
        assert errors[-1]["issues"] == [{"path": "$", "message": "expected an object, got a list"}]

    def test_errors_never_echo_personal_data(self, tmp_path: Path) -> None:
        record = next(data.records(1))
        business = record["business"]
        assert isinstance(business, dict)
        business["owner"] = {"name": "Siti", "nik": "36740112345600XX", "phone": "0812-345"}
        source = tmp_path / "in.jsonl"
        source.write_text(json.dumps(record) + "\n", encoding="utf-8")
        batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        text = (tmp_path / "out" / batch.ERRORS_NAME).read_text(encoding="utf-8")
        paths = [i["path"] for i in json.loads(text)["issues"]]
        assert sorted(set(paths)) == ["$.business.owner.nik", "$.business.owner.phone"]
        assert "36740112345600XX" not in text
        assert "0812-345" not in text


class _CrashError(Exception):
    pass


def _crash_after(monkeypatch: pytest.MonkeyPatch, calls: int) -> None:
    original = batch.Processor.process
    seen = {"n": 0}

    def process(self: batch.Processor, raw: bytes, line: int, source: str) -> Any:
        seen["n"] += 1
        if seen["n"] > calls:
            raise _CrashError
        return original(self, raw, line, source)

    monkeypatch.setattr(batch.Processor, "process", process)


class TestRestart:
    """A run killed anywhere and restarted writes exactly what one clean run writes."""

    @settings(
        max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(crash_at=st.integers(0, 39), every=st.integers(1, 12), bad_every=st.sampled_from([0, 5]))
    def test_restart_never_duplicates_or_loses(
        self, tmp_path_factory: pytest.TempPathFactory, crash_at: int, every: int, bad_every: int
    ) -> None:
        root = tmp_path_factory.mktemp("restart")
        first, second = root / "a.jsonl", root / "b.jsonl"
        data.write(first, 25, bad_every=bad_every)
        data.write(second, 15, start=500, bad_every=bad_every)
        clean = batch.run_batch([first, second], root / "clean", on=ON, plugins=SPEC)
        with pytest.MonkeyPatch.context() as patch:
            _crash_after(patch, crash_at)
            with pytest.raises(_CrashError):
                batch.run_batch(
                    [first, second], root / "out", on=ON, plugins=SPEC, checkpoint_every=every
                )
        resumed = batch.run_batch(
            [first, second], root / "out", on=ON, plugins=SPEC, checkpoint_every=every
        )
        for name in (batch.RESULTS_NAME, batch.ERRORS_NAME):
            assert (root / "out" / name).read_bytes() == (root / "clean" / name).read_bytes()
        assert resumed.counts() == clean.counts()
        assert resumed.resumed

    def test_a_finished_run_is_not_redone(self, tmp_path: Path) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 5)
        first = batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        results = tmp_path / "out" / batch.RESULTS_NAME
        before = results.read_bytes()
        results.write_bytes(before + b"marker\n")  # a re-run would overwrite this
        again = batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        assert again.counts() == first.counts()
        assert again.run_id == first.run_id
        assert results.read_bytes() == before + b"marker\n"

    def test_restart_option_starts_over(self, tmp_path: Path) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 5)
        batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        results = tmp_path / "out" / batch.RESULTS_NAME
        expected = results.read_bytes()
        results.write_bytes(b"stale\n")
        summary = batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC, resume=False)
        assert results.read_bytes() == expected
        assert not summary.resumed

    def test_a_checkpoint_of_another_batch_is_refused(self, tmp_path: Path) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 3)
        batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        other_day = ON.replace(day=1)
        with pytest.raises(batch.CheckpointError, match="belongs to another batch"):
            batch.run_batch(source, tmp_path / "out", on=other_day, plugins=SPEC)

    def test_an_input_changed_since_the_checkpoint_is_refused(self, tmp_path: Path) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 10)
        with pytest.MonkeyPatch.context() as patch:
            _crash_after(patch, 5)
            with pytest.raises(_CrashError):
                batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC, checkpoint_every=2)
        data.write(source, 12)
        with pytest.raises(batch.CheckpointError, match="another batch"):
            batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)

    def test_a_damaged_checkpoint_is_reported(self, tmp_path: Path) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 3)
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / batch.CHECKPOINT_NAME).write_text("{", encoding="utf-8")
        with pytest.raises(batch.CheckpointError, match="cannot be read"):
            batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC)
        assert isinstance(batch.CheckpointError("x"), mk.MentorkitError)


class TestOptions:
    """Arguments are checked before any work."""

    def test_unknown_format_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="unknown output format"):
            batch.run_batch([], tmp_path, on=ON, plugins=SPEC, format="csv")  # type: ignore[arg-type]

    def test_checkpoint_every_must_be_positive(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            batch.run_batch([], tmp_path, on=ON, plugins=SPEC, checkpoint_every=0)

    def test_an_unimportable_plugin_names_itself(self) -> None:
        spec = batch.PluginSpec(plugins=("no_such_module_xyz:Plugin",), entry_points=False)
        with pytest.raises(mk.PluginError, match="no_such_module_xyz"):
            spec.load()

    def test_specs_are_hashable_values(self) -> None:
        one = batch.PluginSpec(allow=["a", "b"], plugins=["m:P"])
        two = batch.PluginSpec(allow=("a", "b"), plugins=("m:P",))
        assert one == two
        assert hash(one) == hash(two)

    def test_dask_without_its_extra_names_the_extra(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "distributed", None)
        with pytest.raises(batch.MissingExtraError, match=r"mentorkit\[dask\]"):
            batch.run_dask(tmp_path, tmp_path, on=ON, plugins=SPEC, run_id="r")

    def test_parquet_without_its_extra_names_the_extra(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 1)
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        with pytest.raises(batch.MissingExtraError, match=r"mentorkit\[parquet\]"):
            batch.run_batch(source, tmp_path / "out", on=ON, plugins=SPEC, format="parquet")
