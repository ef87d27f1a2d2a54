"""Content hashes of declarations and packs, and receipts on every result."""

import datetime as dt
import os
import random
import subprocess
import sys
import textwrap

import attrs
import pytest
import receipts_pack as pack
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import _receipts
from mentorkit.testing import strategies as mks

HASHES = st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True)


def receipts() -> st.SearchStrategy[mk.Receipt]:
    """Receipts with well-formed hashes."""
    return st.builds(mk.Receipt, declaration=HASHES, pack=HASHES, inputs=HASHES, on=mks.dates())


class TestDeclarationHash:
    """A declaration's hash depends on its content only, never on the process or on order."""

    def test_rebuilt_declarations_hash_the_same(self) -> None:
        assert mk.declaration_hash(pack.bookkeeping()) == mk.declaration_hash(pack.bookkeeping())
        for first, again in zip(pack.rules(), pack.rules(), strict=True):
            assert first is not again
            assert mk.declaration_hash(first) == mk.declaration_hash(again)

    def test_integral_float_and_int_weights_are_one_weight(self) -> None:
        assert mk.declaration_hash(pack.bookkeeping(weight=2)) == mk.declaration_hash(
            pack.bookkeeping(weight=2.0)
        )

    @given(st.dictionaries(st.text(max_size=5), st.integers(), max_size=6), st.randoms())
    def test_mapping_order_does_not_matter(self, data: dict[str, int], rnd: random.Random) -> None:
        items = list(data.items())
        rnd.shuffle(items)
        assert _receipts.content_hash(data) == _receipts.content_hash(dict(items))

    def test_plugin_registration_order_does_not_change_the_pack(self) -> None:
        class Rules:
            @mk.hookimpl
            def register_referral_rules(self) -> list[mk.ReferralRule]:
                return pack.rules()

        class Rest:
            @mk.hookimpl
            def register_rubrics(self) -> list[mk.Rubric]:
                return [pack.HALAL, pack.bookkeeping()]

            @mk.hookimpl
            def register_units(self) -> list[mk.Unit]:
                return list(reversed(pack.UNITS))

        one = mk.Engine(pack.registry(Rules(), Rest()))
        two = mk.Engine(pack.registry(Rest(), Rules()))
        assert one.pack_hash == two.pack_hash == pack.ENGINE.pack_hash

    def test_the_pack_hash_is_the_same_in_another_process(self) -> None:
        """No hash() or id() leaks in: a fresh interpreter with another hash seed agrees."""
        script = textwrap.dedent(
            """
            import mentorkit as mk
            from mentorkit.testing.sample import SamplePlugin
            registry = mk.Registry.load(plugins=[SamplePlugin()], entry_points=False)
            print(mk.Engine(registry).pack_hash)
            """
        )
        env = {**os.environ, "PYTHONHASHSEED": "12345"}
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        )
        from mentorkit.testing.sample import SamplePlugin

        here = mk.Engine(mk.Registry.load(plugins=[SamplePlugin()], entry_points=False))
        assert out.stdout.strip() == here.pack_hash

    @given(st.floats(min_value=0.1, max_value=50).filter(lambda w: w != 2))
    def test_any_weight_change_changes_the_rubric_and_pack_hash(self, weight: float) -> None:
        base = pack.bookkeeping()
        changed = pack.bookkeeping(weight=weight)
        assert mk.declaration_hash(base) != mk.declaration_hash(changed)
        assert mk.pack_hash([base], pack.rules()) != mk.pack_hash([changed], pack.rules())

    @given(st.integers(min_value=0, max_value=240).filter(lambda months: months != 6))
    def test_any_rule_threshold_change_changes_the_pack_hash(self, months: int) -> None:
        rubrics = [pack.bookkeeping(), pack.HALAL]
        before = mk.pack_hash(rubrics, pack.rules())
        assert mk.pack_hash(rubrics, pack.rules(min_age=months)) != before

    @given(st.sampled_from(["developing", "established"]), st.floats(1, 99))
    def test_a_level_threshold_change_changes_the_hash(self, which: str, at: float) -> None:
        levels = (at, 99.5) if which == "developing" else (0.5, at)
        if levels == (40, 75):
            return
        assert mk.declaration_hash(pack.bookkeeping(levels)) != mk.declaration_hash(
            pack.bookkeeping()
        )

    def test_editing_a_derivation_changes_the_hash(self) -> None:
        def other_nib(business: mk.Business, on: dt.date) -> mk.Answer | None:
            return business.nib is not None

        rubric = pack.bookkeeping()
        criteria = tuple(
            attrs.evolve(c, derive=other_nib) if c.derive is not None else c
            for c in rubric.criteria
        )
        edited = attrs.evolve(rubric, criteria=criteria)
        assert rubric == edited  # derive is not part of equality...
        assert mk.declaration_hash(rubric) != mk.declaration_hash(edited)  # ...but is hashed

    def test_a_new_dated_legal_parameter_changes_the_pack_hash(self) -> None:
        rubrics, rules = [pack.bookkeeping()], pack.rules()
        tables = _receipts.legal_parameters()
        later = mk.SizeThresholds(
            source="hypothetical 2030 rule",
            valid_from=dt.date(2030, 1, 1),
            capital_max=(2, 3, 4),
            sales_max=(2, 3, 4),
        )
        amended = {**tables, "size_thresholds": (*mk.SIZE_THRESHOLDS, later)}
        assert mk.pack_hash(rubrics, rules) == mk.pack_hash(rubrics, rules, tables)
        assert mk.pack_hash(rubrics, rules, amended) != mk.pack_hash(rubrics, rules)


class TestInputHash:
    """Input hashes cover what a decision read, and never personal data."""

    @given(mks.businesses(), mks.niks(), mks.phones())
    def test_personal_data_is_not_hashed(self, business: mk.Business, nik: str, phone: str) -> None:
        other = attrs.evolve(business, owner=attrs.evolve(business.owner, nik=nik, phone=phone))
        assert _receipts.business_digest(business) == _receipts.business_digest(other)
        assert nik not in _receipts.canonical_json(other)
        assert phone not in _receipts.canonical_json(other)

    @given(mks.businesses())
    def test_the_written_out_business_form_is_the_generic_one(self, business: mk.Business) -> None:
        """The hot-path digest equals the generic one; if the model gains a field, both change."""
        assert _receipts._FAST_BUSINESS, "update _receipts._business_form for the new field"
        assert _receipts._business_form(business) == _receipts.positional(business)

    @given(mks.businesses(), st.text(min_size=1, max_size=10).filter(str.strip))
    def test_decision_relevant_fields_are_hashed(self, business: mk.Business, d: str) -> None:
        other = attrs.evolve(business, district=business.district + d)
        assert _receipts.business_digest(business) != _receipts.business_digest(other)

    def test_text_with_a_lone_surrogate_still_hashes(self) -> None:
        """Decoders refuse such text, but code can build it: the engine must not crash on it."""
        business = mk.Business(
            id="b-1", name="Toko \ud800", owner=mk.Person(name="Siti"),
            sector=mk.Sector.CRAFT, district="Setu \udfff",
        )  # fmt: skip
        other = attrs.evolve(business, district="Setu \udffe")
        assert _receipts.business_digest(business) != _receipts.business_digest(other)
        result = pack.ENGINE.evaluate(business, on=pack.ON)
        assert all(a.receipt is not None for a in result.assessments)

    def test_a_decision_hashes_the_business_only_where_plugin_code_reads_it(self) -> None:
        """Conditions read facts; derive and details functions read the whole record."""
        first = mk.Business(
            id="b-1", name="Warung", owner=mk.Person(name="Siti"), sector=mk.Sector.CULINARY,
            district="Setu", annual_sales=100_000_000,
        )  # fmt: skip
        renamed = attrs.evolve(first, name="Warung Baru")  # no fact reads the name
        facts: dict[str, mk.FactValue] = {"case.mentored": True}

        def receipts(business: mk.Business) -> dict[str, mk.Receipt | None]:
            result = pack.ENGINE.evaluate(business, on=pack.ON, facts=facts)
            found = {r.unit: r.receipt for r in result.referrals}
            found.update({a.rubric_id: a.receipt for a in result.assessments})
            return found

        before, after = receipts(first), receipts(renamed)
        assert before["licensing"] == after["licensing"]  # conditions only: facts unchanged
        assert before["cooperative"] != after["cooperative"]  # has a details function
        assert before["halal"] != after["halal"]  # a derived criterion reads the business

    def test_an_observation_for_another_rubric_does_not_change_an_assessment_input(
        self,
    ) -> None:
        engine = pack.ENGINE
        business = mk.Business(
            id="b-1", name="Warung", owner=mk.Person(name="Siti"), sector=mk.Sector.CRAFT,
            district="Setu",
        )  # fmt: skip
        obs = [mk.Observation("b-1", "bookkeeping", "separate-money", True, pack.ON)]
        more = [*obs, mk.Observation("b-1", "halal", "on-time", True, pack.ON)]
        first = engine.assess(business, obs, on=pack.ON).assessments
        second = engine.assess(business, more, on=pack.ON).assessments
        by_rubric = {a.rubric_id: a for a in first}
        again = {a.rubric_id: a for a in second}
        assert by_rubric["bookkeeping"].receipt == again["bookkeeping"].receipt
        assert by_rubric["halal"].receipt != again["halal"].receipt


# What the hot paths hash: flat lists of text, whole numbers, yes/no, nothing, lists of text,
# plus the floats and out-of-range values code could still pass.
PLAIN_VALUES = st.one_of(
    st.text(),  # any code point, lone surrogates included
    st.integers(),  # beyond 64 bits too
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=3),
)
_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
ANY_VALUES = st.one_of(PLAIN_VALUES, _FLOATS, st.lists(st.one_of(st.text(max_size=3), _FLOATS)))


class TestHashBytes:
    """A hash never depends on whether orjson (``mentorkit[fast]``) is installed."""

    @given(st.lists(PLAIN_VALUES, max_size=12))
    def test_compact_bytes_are_the_standard_librarys(self, parts: list[object]) -> None:
        assert _receipts._compact(parts) == _receipts._compact_stdlib(parts)

    def test_every_code_point_is_written_as_the_standard_library_writes_it(self) -> None:
        text = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
        assert _receipts._compact(text) == _receipts._compact_stdlib(text)
        edges = [0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1, True, False, None]
        assert _receipts._compact(edges) == _receipts._compact_stdlib(edges)

    @given(
        mks.businesses(),
        st.sampled_from([None, 0, 1.5, 1e16, 2.5e-7]),
        st.dictionaries(st.text(max_size=8), st.tuples(ANY_VALUES, mks.dates(), st.none())),
        st.dictionaries(st.text(max_size=8), ANY_VALUES),
    )
    def test_input_hashes_are_the_same_without_orjson(
        self,
        business: mk.Business,
        capital: float | None,
        answers: dict[str, tuple[object, dt.date, None]],
        facts: dict[str, object],
    ) -> None:
        business = attrs.evolve(business, capital=capital)  # a float only code can pass
        day = dt.date(2026, 8, 3)
        read = sorted(facts)

        def hashes() -> tuple[str, str, str]:
            return (
                _receipts.business_digest(business),
                _receipts.assessment_inputs_hash("d", day, answers),  # type: ignore[arg-type]
                _receipts.referral_inputs_hash(None, day, facts, read),  # type: ignore[arg-type]
            )

        fast = hashes()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_receipts, "_compact", _receipts._compact_stdlib)
            assert hashes() == fast


class TestReceiptsOnResults:
    """The engine puts a receipt on every assessment and referral; they round-trip."""

    @given(pack.cases())
    def test_every_result_carries_a_receipt_for_its_date_and_pack(
        self, case: tuple[mk.Business, list[mk.Observation], dict[str, mk.FactValue]]
    ) -> None:
        business, observations, facts = case
        engine = pack.ENGINE
        result = engine.evaluate(business, observations, on=pack.ON, facts=facts)
        for item in (*result.assessments, *result.referrals):
            assert item.receipt is not None
            assert item.receipt.on == pack.ON
            assert item.receipt.pack == engine.pack_hash
        for assessment in result.assessments:
            assert assessment.receipt is not None
            expected = engine.declaration_hash("rubric", assessment.rubric_id)
            assert assessment.receipt.declaration == expected
        for referral in result.referrals:
            assert referral.receipt is not None
            expected = engine.declaration_hash("rule", referral.rule_id)
            assert referral.receipt.declaration == expected

    def test_receipts_can_be_switched_off(self) -> None:
        engine = mk.Engine(pack.registry(), receipts=False)
        business = mk.Business(
            id="b-1", name="Warung", owner=mk.Person(name="Siti"), sector=mk.Sector.CRAFT,
            district="Setu",
        )  # fmt: skip
        result = engine.evaluate(business, on=pack.ON, facts={"case.mentored": True})
        assert result.assessments
        assert result.referrals
        assert all(a.receipt is None for a in result.assessments)
        assert all(r.receipt is None for r in result.referrals)

    @given(receipts())
    def test_a_receipt_round_trips(self, receipt: mk.Receipt) -> None:
        assert mk.decode(mk.encode(receipt), mk.Receipt) == receipt
        assert mk.loads(mk.dumps(receipt), mk.Receipt) == receipt

    @given(pack.cases())
    def test_results_with_receipts_round_trip(
        self, case: tuple[mk.Business, list[mk.Observation], dict[str, mk.FactValue]]
    ) -> None:
        business, observations, facts = case
        engine = pack.ENGINE
        result = engine.evaluate(
            business, observations, on=pack.ON, facts=facts, cooperatives=pack.COOPERATIVES
        )
        for assessment in result.assessments:
            assert mk.loads(mk.dumps(assessment), mk.Assessment) == assessment
        for referral in result.referrals:
            assert mk.loads(mk.dumps(referral), mk.Referral) == referral

    @given(mks.assessments(), receipts())
    def test_generated_assessments_with_receipts_round_trip(
        self, assessment: mk.Assessment, receipt: mk.Receipt
    ) -> None:
        stamped = attrs.evolve(assessment, receipt=receipt)
        assert mk.decode(mk.encode(stamped), mk.Assessment) == stamped

    def test_a_result_without_receipt_still_decodes(self) -> None:
        """Results stored before receipts existed have no ``receipt`` key."""
        data = {
            "business_id": "b-1",
            "unit": "capital",
            "rule_id": "r",
            "rule_version": "1",
            "proposed_on": "2025-01-01",
        }
        assert mk.decode(data, mk.Referral).receipt is None

    @pytest.mark.parametrize(
        ("field", "value"),
        [("pack", "md5:abc"), ("inputs", "sha256:" + "A" * 64), ("declaration", 7)],
    )
    def test_a_bad_hash_is_reported_with_its_path(self, field: str, value: object) -> None:
        good = mk.Receipt(
            declaration="sha256:" + "0" * 64,
            pack="sha256:" + "1" * 64,
            inputs="sha256:" + "2" * 64,
            on=dt.date(2025, 1, 1),
        )
        data = mk.encode(mk.Referral("b-1", "capital", "r", "1", dt.date(2025, 1, 1), receipt=good))
        data["receipt"][field] = value
        with pytest.raises(mk.DecodeError) as caught:
            mk.decode(data, mk.Referral)
        assert any(issue.path == f"$.receipt.{field}" for issue in caught.value.issues)
