"""Tests of the strict serializer: round trips, strictness, path-addressed errors."""

import datetime as dt
import json
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit._fastobs import OBSERVATION_FIELDS
from mentorkit.testing import strategies as mks

ROUND_TRIPS: list[tuple[type, st.SearchStrategy[Any]]] = [
    (mk.Person, mks.persons()),
    (mk.Licence, mks.licences()),
    (mk.Business, mks.businesses()),
    (mk.Cooperative, mks.cooperatives()),
    (mk.CooperativeMembership, mks.memberships()),
    (mk.Mentor, mks.mentors()),
    (mk.Programme, mks.programmes()),
    (mk.Milestone, mks.milestones()),
    (mk.Session, mks.sessions()),
    (mk.Observation, mks.observations()),
    (mk.CriterionResult, mks.criterion_results()),
    (mk.Assessment, mks.assessments()),
    (mk.Reason, mks.reasons()),
    (mk.Referral, mks.referrals()),
    (mk.Receipt, mks.receipts()),
]


def good_business() -> dict[str, Any]:
    return {
        "id": "B-0001",
        "name": "Warung Bu Siti",
        "owner": {"name": "Siti", "nik": "3674011234560001", "phone": "081234567890"},
        "sector": "culinary",
        "district": "Pamulang",
        "annual_sales": 120_000_000,
        "licences": [{"kind": "nib", "number": "1234567890123", "issued": "2023-05-01"}],
    }


class TestRoundTrip:
    """decode(encode(x)) == x and JSON text round trips, for every model."""

    @pytest.mark.parametrize(
        ("cls", "strategy"), ROUND_TRIPS, ids=lambda v: getattr(v, "__name__", "")
    )
    def test_every_model_round_trips(self, cls: type, strategy: st.SearchStrategy[Any]) -> None:
        @given(strategy)
        def check(obj: Any) -> None:
            data = mk.encode(obj)
            assert mk.decode(data, cls) == obj
            assert mk.loads(mk.dumps(obj), cls) == obj
            json.dumps(data)  # JSON-ready: raises if not

        check()

    def test_encoding_shape(self) -> None:
        business = mk.decode(good_business(), mk.Business)
        data = mk.encode(business)
        assert data["sector"] == "culinary"
        assert data["licences"][0]["issued"] == "2023-05-01"
        assert data["licences"][0]["kind"] == "nib"
        assert isinstance(data["sales_channels"], list)


class TestStrictness:
    """Values of the wrong JSON type are refused, never coerced."""

    @pytest.mark.parametrize(
        ("path", "value", "message"),
        [
            (("employees",), 3.9, "expected a whole number, got a decimal number"),
            (("employees",), "3", "expected a whole number, got a string"),
            (("employees",), True, "expected a whole number, got a boolean"),
            (("name",), None, "expected a string, got null"),
            (("name",), 12, "expected a string, got a whole number"),
            (("founded",), "01/02/2020", "expected a date as YYYY-MM-DD"),
            (("founded",), "2020-02-30", "real calendar date"),
            (("founded",), 20200101, "expected a date"),
            (("sector",), "food", "not one of the allowed values"),
        ],
    )
    def test_wrong_types_name_the_path(
        self, path: tuple[str, ...], value: object, message: str
    ) -> None:
        data = good_business()
        data[path[0]] = value
        with pytest.raises(mk.DecodeError) as caught:
            mk.decode(data, mk.Business)
        error = caught.value
        assert error.record == "business 'B-0001'"
        assert [issue.path for issue in error.issues] == ["$." + ".".join(path)]
        assert message in error.issues[0].message

    def test_false_string_is_not_a_bool(self) -> None:
        data = {"id": "k", "name": "Kop", "district": "Setu", "savings_and_loan": "false"}
        with pytest.raises(mk.DecodeError, match=r"\$\.savings_and_loan: expected true or false"):
            mk.decode(data, mk.Cooperative)

    def test_answer_keeps_bool_and_int_apart(self) -> None:
        base = {
            "business_id": "b",
            "rubric_id": "r",
            "criterion_id": "c",
            "observed_on": "2025-01-01",
        }
        assert mk.decode({**base, "value": True}, mk.Observation).value is True
        assert mk.decode({**base, "value": 1}, mk.Observation).value == 1
        assert type(mk.decode({**base, "value": 1}, mk.Observation).value) is int
        with pytest.raises(
            mk.DecodeError, match=r"\$\.value: expected true/false or a whole number or a string"
        ):
            mk.decode({**base, "value": 2.5}, mk.Observation)

    def test_unknown_keys_rejected(self) -> None:
        data = good_business()
        data["owner"]["email"] = "x@example.org"
        with pytest.raises(mk.DecodeError, match=r"\$\.owner: unknown field\(s\): email"):
            mk.decode(data, mk.Business)

    def test_missing_required_field(self) -> None:
        data = good_business()
        del data["sector"]
        with pytest.raises(mk.DecodeError, match=r"\$\.sector: required field missing"):
            mk.decode(data, mk.Business)

    def test_not_an_object(self) -> None:
        with pytest.raises(mk.DecodeError, match=r"\$: expected an object, got a list"):
            mk.decode([1, 2], mk.Business)


class TestErrorPaths:
    """Every bad field is listed with its full path; personal data is never echoed."""

    def test_nested_and_indexed_paths_all_reported(self) -> None:
        data = good_business()
        data["owner"]["nik"] = "36740112345600"  # 14 digits
        data["licences"].append(
            {"kind": "halal", "number": "H", "issued": "2024-01-02", "expires": "2023-01-01"}
        )
        data["employees"] = -2
        with pytest.raises(mk.DecodeError) as caught:
            mk.decode(data, mk.Business)
        paths = {issue.path: issue.message for issue in caught.value.issues}
        assert len(caught.value.issues) == len(paths), "each bad field is reported once"
        assert paths == {
            "$.owner.nik": "NIK must be exactly 16 digits",
            "$.licences[1].expires": "must not be before the issue date",
            "$.employees": "must not be negative",
        }
        assert "36740112345600" not in str(caught.value)

    @given(nik=st.from_regex(r"[0-9]{10,15}", fullmatch=True))
    def test_bad_nik_never_echoed(self, nik: str) -> None:
        data = good_business()
        data["owner"]["nik"] = nik
        with pytest.raises(mk.DecodeError) as caught:
            mk.decode(data, mk.Business)
        assert nik not in str(caught.value)

    def test_bad_json_text(self) -> None:
        with pytest.raises(mk.DecodeError, match="not valid JSON"):
            mk.loads("{not json", mk.Business)


class TestJsonLines:
    """decode_lines keeps good records and reports each bad one with its line."""

    def test_good_lines_survive_bad_ones(self) -> None:
        good = json.dumps(good_business())
        bad = dict(good_business(), id="B-0002", employees="many")
        lines = [good, "", json.dumps(bad), "{oops", good.replace("B-0001", "B-0003")]
        results = list(mk.decode_lines(lines, mk.Business))
        assert [r.line for r in results] == [1, 3, 4, 5]
        assert [r.ok for r in results] == [True, False, False, True]
        assert [r.value.id for r in results if r.ok] == ["B-0001", "B-0003"]
        assert str(results[1].error) == (
            "line 3: business 'B-0002': $.employees: expected a whole number, got a string"
        )
        assert results[2].error is not None
        assert results[2].error.record == "line 4"

    @given(st.lists(mks.businesses(), max_size=5), st.lists(st.integers(0, 4), max_size=3))
    def test_bad_lines_do_not_disturb_good_ones(
        self, businesses: list[mk.Business], spoil: list[int]
    ) -> None:
        lines = [mk.dumps(b) for b in businesses]
        spoiled = {i for i in spoil if i < len(lines)}
        for i in spoiled:
            lines[i] = lines[i].replace('"sector":"', '"sector":"x')
        decoded = list(mk.decode_lines(lines, mk.Business))
        assert [d.value for d in decoded if d.ok] == [
            b for i, b in enumerate(businesses) if i not in spoiled
        ]
        assert {d.line - 1 for d in decoded if not d.ok} == spoiled


class TestTranslatableIssues:
    """Issues keep their template and parameters so interfaces can translate them."""

    def test_render_through_a_catalog(self) -> None:
        data = good_business()
        data["owner"]["nik"] = "123"
        data["employees"] = "many"
        with pytest.raises(mk.DecodeError) as caught:
            mk.decode(data, mk.Business)
        catalog = {
            "{what} must be exactly {count} digits": "{what} harus tepat {count} digit",
            "expected a whole number, got {kind}": "seharusnya bilangan bulat, bukan {kind}",
            "a string": "teks",
        }
        rendered = sorted(i.render(lambda s: catalog.get(s, s)) for i in caught.value.issues)
        assert rendered == [
            "$.employees: seharusnya bilangan bulat, bukan teks",
            "$.owner.nik: NIK harus tepat 16 digit",
        ]

    @given(st.text(max_size=20))
    def test_identity_catalog_gives_the_english_message(self, name: str) -> None:
        data = good_business()
        data["name"] = name if name.strip() else 7
        try:
            mk.decode(data, mk.Business)
        except mk.DecodeError as error:
            for issue in error.issues:
                assert issue.render(lambda s: s) == str(issue)


@given(st.lists(mks.observations(), max_size=4))
def test_observations_encode_as_the_generated_hook_would(
    observations: list[mk.Observation],
) -> None:
    # mentorkit registers a hand-written unstructure hook for Observation (hot in every visit
    # and import); cattrs's own generated hook, on a converter without it, is the reference.
    reference = cattrs.Converter()
    reference.register_unstructure_hook(dt.date, dt.date.isoformat)
    expected = [reference.unstructure(o, mk.Observation) for o in observations]
    assert [mk.encode(o) for o in observations] == expected
    assert mk.encode(tuple(observations)) == expected
    assert [type(d["value"]) for d in expected] == [type(o.value) for o in observations]
    assert [mk.decode(d, mk.Observation) for d in expected] == observations


def test_the_hand_written_observation_hook_fits_the_class() -> None:
    # If Observation gains a field, the hook is no longer registered (and this says so).
    assert tuple(a.name for a in attrs.fields(mk.Observation)) == OBSERVATION_FIELDS
