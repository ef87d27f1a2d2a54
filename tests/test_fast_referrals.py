"""referral_fast and referral_proposed_fast: the hand decoders agree with the strict one.

For any valid referral (or ``referral.proposed`` payload) the fast path
gives the same value; for damaged ones (a field changed, dropped or added,
at any depth: the referral, a reason, a detail, the receipt) it either
steps aside (None) or gives exactly what ``mentorkit.decode`` gives, and
never accepts what it rejects.
"""

import datetime as dt
import json
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mentorkit as mk
from fast_decoding import (
    AT,
    DATES,
    HASH,
    HASHES,
    ODD_JSON,
    ODD_TEXTS,
    RECEIPT,
    TEXTS,
    copied,
    damage,
    read_both_ways,
    stored,
    strict_decode,
    texts_in,
)
from mentorkit import Registry, _fastobs
from mentorkit import cases as mc
from mentorkit._fastobs import (
    _DETAILS_MAX,
    _REASONS_MAX,
    REASON_FIELDS,
    REFERRAL_FIELDS,
    _as_declared,
    _details,
    _reasons,
    referral_fast,
)
from mentorkit.batch import _fast
from mentorkit.cases import _events
from mentorkit.cases._events import referral_proposed_fast
from mentorkit.testing import strategies as mks
from mentorkit.testing.sample import SAMPLE_RUBRIC, SamplePlugin

DAY = dt.date(2026, 3, 1)
REASON = {
    "fact": "business.nib",
    "op": "is false",
    "expected": "unknown",
    "actual": "x",
    "held": True,
}
ENGINE = mk.Engine(Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True))

# Values the strict decoder may or may not accept in any field: every JSON type, edge
# numbers, near-miss dates and hashes, blank text, text with a lone surrogate.
odd_values = st.one_of(
    ODD_JSON,
    st.integers(-2, 2),
    st.sampled_from(
        [
            *ODD_TEXTS,
            "is true",
            "mentorkit-receipt/1",
            "2025-01-31",
            "2025-02-30",
            "2025-1-31",
            "20250131",
            "\u0662\u0660\u0662\u0665-\u0660\u0661-\u0663\u0661",  # Arabic-Indic digits
            HASH,
            HASH.upper(),
            HASH[:-1],
            "sha256:" + "g" * 64,
        ]
    ),
    mks.hashes(),
    mks.names(),
    st.lists(st.sampled_from(["c", "", "\ud800", 1, None]), max_size=3),
    st.dictionaries(st.sampled_from(["x", "fact", "ab"]), st.integers(), max_size=1),
)

# Near misses (and valid alternatives) for each field: most corruptions hit one check.
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "business_id": TEXTS,
    "unit": TEXTS,
    "rule_id": TEXTS,
    "rule_version": TEXTS,
    "fact": TEXTS,
    "op": TEXTS,
    "expected": TEXTS,
    "actual": TEXTS,
    "scheme": TEXTS,
    "referral_id": TEXTS,
    "proposed_on": DATES,
    "on": DATES,
    "held": st.sampled_from([True, False, 0, 1, "true", None, []]),
    "reasons": st.sampled_from([[], None, "r", {}, [{}], [None], [REASON], [[REASON]], (REASON,)]),
    "details": st.sampled_from(
        [
            [],
            None,
            "ab",
            ["ab"],  # the strict decoder reads a text of two characters as a pair
            {"ab": 1},
            [["a", "b"]],
            [["a"]],
            [["a", "b", "c"]],
            [[]],
            [["a", 1]],
            [["", " "]],
            [["\ud800", "b"]],
            [("a", "b")],
            [{"a": "b"}],
        ]
    ),
    "receipt": st.sampled_from([None, {}, [], "x", RECEIPT, {**RECEIPT, "scheme": "s"}]),
    "declaration": HASHES,
    "pack": HASHES,
    "inputs": HASHES,
    "schema": st.sampled_from([True, False, 0, 1, 2, -1, 1.0, "1", None, 10**30]),
    "referral": st.sampled_from([None, [], "x", {}]),
}

REFERRAL_KEYS = [a.name for a in attrs.fields(mk.Referral)]
REASON_KEYS = [a.name for a in attrs.fields(mk.Reason)]
RECEIPT_KEYS = [a.name for a in attrs.fields(mk.Receipt)]
PROPOSED_KEYS = [a.name for a in attrs.fields(mc.ReferralProposed)]


@st.composite
def engine_referrals(draw: st.DrawFn) -> tuple[mk.Referral, ...]:
    """Referrals as the engine proposes them (the sample plugin's rules, with receipts)."""
    business = draw(mks.businesses())
    observations = draw(mks.observations_for(SAMPLE_RUBRIC, business.id, on=DAY, complete=False))
    cooperatives = draw(st.lists(mks.cooperatives(), max_size=2, unique_by=lambda c: c.id))
    result = ENGINE.evaluate(
        business,
        observations,
        on=DAY,
        facts={"case.mentored": draw(st.booleans())},
        cooperatives=cooperatives,
    )
    return result.referrals


any_referrals = mks.referrals() | engine_referrals().filter(bool).map(lambda found: found[0])


def _damage(draw: st.DrawFn, item: dict[str, Any], keys: list[str]) -> None:
    """Change one field of ``item`` to an odd value, drop one, or add an unknown one."""
    damage(draw, item, keys, FIELD_VALUES, odd_values)


def _damage_detail(draw: st.DrawFn, details: list[Any]) -> None:
    """Change one name/value pair: an element changed, dropped or added, or the whole pair."""
    index = draw(st.integers(0, len(details) - 1))
    pair = details[index]
    change = draw(st.sampled_from(["element", "drop", "add", "pair"]))
    if change == "pair" or not isinstance(pair, list) or not pair:
        details[index] = copied(draw, odd_values)
    elif change == "element":
        pair[draw(st.integers(0, len(pair) - 1))] = copied(draw, odd_values)
    elif change == "drop":
        pair.pop()
    else:
        pair.append(copied(draw, odd_values))


def _damage_referral(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Damage the referral, its receipt, one of its reasons or one of its details."""
    where = draw(st.sampled_from(["referral", "receipt", "reason", "detail"]))
    receipt, reasons, details = data.get("receipt"), data.get("reasons"), data.get("details")
    if where == "receipt" and isinstance(receipt, dict):
        _damage(draw, receipt, RECEIPT_KEYS)
    elif where == "reason" and isinstance(reasons, list) and reasons:
        item = reasons[draw(st.integers(0, len(reasons) - 1))]
        if isinstance(item, dict):
            _damage(draw, item, REASON_KEYS)
    elif where == "detail" and isinstance(details, list) and details:
        _damage_detail(draw, details)
    else:
        _damage(draw, data, REFERRAL_KEYS)


@st.composite
def referral_payloads(draw: st.DrawFn) -> Any:
    """Encoded referrals, most of them damaged once or more."""
    data = stored(draw(any_referrals))
    for _ in range(draw(st.integers(0, 3))):
        _damage_referral(draw, data)
    return data


@st.composite
def proposed_payloads(draw: st.DrawFn) -> Any:
    """Encoded ``referral.proposed`` events, damaged at the top or in the referral."""
    event = mc.ReferralProposed(draw(mks.identifiers("unit-")), draw(any_referrals))
    data = stored(event)
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()) and isinstance(data.get("referral"), dict):
            _damage_referral(draw, data["referral"])
        else:
            _damage(draw, data, PROPOSED_KEYS)
    return data


@st.composite
def text_damaged_payloads(draw: st.DrawFn) -> Any:
    """Encoded ``referral.proposed`` events with one text, anywhere, made blank or bad Unicode."""
    data = stored(mc.ReferralProposed(draw(mks.identifiers("unit-")), draw(any_referrals)))
    container, key = draw(st.sampled_from(texts_in(data)))
    container[key] = draw(st.sampled_from(["", " \t", "\ud800", "a\udfffb", "\udbff\udfff"]))
    return data


def _types(referral: mk.Referral) -> list[type]:
    """The types equality does not see: True stays bool, text stays plain str, pairs tuples."""
    receipt = referral.receipt
    return [
        *(type(value) for value in attrs.astuple(referral, recurse=False)),
        *(type(value) for reason in referral.reasons for value in attrs.astuple(reason)),
        *(type(value) for pair in referral.details for value in (pair, *pair)),
        *(type(value) for value in (attrs.astuple(receipt) if receipt else ())),
    ]


class TestReferralFast:
    @given(mks.referrals())
    def test_a_valid_referral_is_decoded_fast_and_equal(self, referral: mk.Referral) -> None:
        fast = referral_fast(stored(referral), {})
        assert fast is not None
        assert fast == referral
        assert fast == mk.decode(stored(referral), mk.Referral)
        assert _types(fast) == _types(referral)

    @given(engine_referrals())
    def test_the_engines_referrals_are_decoded_fast_and_equal(
        self, referrals: tuple[mk.Referral, ...]
    ) -> None:
        for referral in referrals:
            fast = referral_fast(stored(referral), {})
            assert fast is not None
            assert fast == referral == mk.decode(stored(referral), mk.Referral)
            assert _types(fast) == _types(mk.decode(stored(referral), mk.Referral))

    @settings(max_examples=400)
    @given(referral_payloads())
    def test_never_accepts_what_the_strict_decoder_rejects(self, data: Any) -> None:
        fast = referral_fast(data, {})
        if fast is not None:
            strict = strict_decode(data, mk.Referral)
            assert strict is not None, "the fast path accepted what the strict one rejects"
            assert fast == strict
            assert _types(fast) == _types(strict)

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"business_id": None}, "$.business_id"),
            ({"unit": "\ud800"}, "$.unit"),
            ({"rule_id": 3}, "$.rule_id"),
            ({"rule_version": 2026.1}, "$.rule_version"),
            ({"proposed_on": "2025-02-30"}, "$.proposed_on"),
            ({"proposed_on": "2025-2-3"}, "$.proposed_on"),
            ({"reasons": None}, "$.reasons"),
            ({"reasons": [{**REASON, "held": 1}]}, "$.reasons[0].held"),
            ({"reasons": [{**REASON, "held": "true"}]}, "$.reasons[0].held"),
            ({"reasons": [{**REASON, "actual": None}]}, "$.reasons[0].actual"),
            ({"reasons": [{**REASON, "expected": "\udfff"}]}, "$.reasons[0].expected"),
            ({"reasons": [REASON, {**REASON, "x": 1}]}, "$.reasons[1]"),
            ({"reasons": [{k: v for k, v in REASON.items() if k != "op"}]}, "$.reasons[0].op"),
            ({"details": [["a", "b", "c"]]}, "$.details[0]"),
            ({"details": [["a"]]}, "$.details[0]"),
            ({"details": [["a", 1]]}, "$.details[0][1]"),
            ({"details": [["\ud800", "b"]]}, "$.details[0][0]"),
            ({"details": [["a", "b"], ["a", "\udfff"]]}, "$.details[1][1]"),
            ({"details": None}, "$.details"),
            ({"receipt": {**RECEIPT, "inputs": HASH.upper()}}, "$.receipt.inputs"),
            ({"receipt": {**RECEIPT, "on": "2025-13-01"}}, "$.receipt.on"),
            ({"receipt": {**RECEIPT, "scheme": "\ud800"}}, "$.receipt.scheme"),
            ({"receipt": {**RECEIPT, "x": 1}}, "$.receipt"),
            ({"receipt": [HASH]}, "$.receipt"),
            ({"x": 1}, "$"),
        ],
    )
    def test_a_bad_field_takes_the_strict_path(self, change: dict[str, Any], path: str) -> None:
        good: dict[str, Any] = {
            "business_id": "b",
            "unit": "licensing",
            "rule_id": "licensing.nib",
            "rule_version": "2026.1",
            "proposed_on": "2025-01-01",
            "reasons": [REASON],
            "details": [["missing", "nib"]],
            "receipt": RECEIPT,
        }
        fast = referral_fast(good, {})
        assert fast is not None
        assert fast.receipt is not None
        assert fast.receipt.scheme == "mentorkit-receipt/1"  # the default, as the strict path
        assert fast == mk.decode(good, mk.Referral)
        bad = {**good, **change}
        assert referral_fast(bad, {}) is None
        with pytest.raises(mk.DecodeError) as caught:
            mk.decode(bad, mk.Referral)
        assert path in [issue.path for issue in caught.value.issues]

    def test_optional_fields_take_their_defaults(self) -> None:
        bare = {"business_id": "b", "unit": "u", "rule_id": "r", "rule_version": "1"}
        bare["proposed_on"] = "2025-01-01"
        extras: list[dict[str, Any]] = [{}, {"receipt": None}, {"reasons": [], "details": []}]
        for extra in extras:
            fast = referral_fast({**bare, **extra}, {})
            assert fast is not None
            assert fast == mk.decode({**bare, **extra}, mk.Referral)
            assert (fast.reasons, fast.details, fast.receipt) == ((), (), None)
        for name in ("business_id", "unit", "rule_id", "rule_version", "proposed_on"):
            partial = {k: v for k, v in bare.items() if k != name}
            assert referral_fast(partial, {}) is None
            assert strict_decode(partial, mk.Referral) is None

    def test_blank_text_is_accepted_as_the_strict_decoder_does(self) -> None:
        # Referral and Reason have no non-empty checks: blank text decodes, both ways.
        blank: dict[str, Any] = {"business_id": " ", "unit": "", "rule_id": "", "rule_version": ""}
        blank |= {"proposed_on": "2025-01-01", "reasons": [{**REASON, "fact": ""}]}
        blank["details"] = [["", " "]]
        fast = referral_fast(blank, {})
        assert fast is not None
        assert fast == mk.decode(blank, mk.Referral)

    def test_only_lists_of_pairs_are_read_as_details(self) -> None:
        data = stored(mk.Referral("b", "u", "r", "1", AT.date()))
        # The strict decoder reads any iterable (the text "ab" as the pair ('a', 'b')); such
        # data never comes from JSON: the strict path decides.
        details: list[Any] = [["ab"], {"ab": 1}, [("a", "b")], (["a", "b"],)]
        for odd in details:
            assert referral_fast({**data, "details": odd}, {}) is None
            assert strict_decode({**data, "details": odd}, mk.Referral) is not None
        assert referral_fast({**data, "details": "ab"}, {}) is None
        assert strict_decode({**data, "details": "ab"}, mk.Referral) is None
        reasons: list[Any] = ["r", {"r": 1}, (REASON,)]
        for odd in reasons:
            assert referral_fast({**data, "reasons": odd}, {}) is None

    def test_equal_reasons_and_details_share_one_value_and_the_caches_stay_small(self) -> None:
        bare = {"business_id": "b", "unit": "u", "rule_id": "r", "rule_version": "1"}
        data = {**bare, "proposed_on": "2025-01-01", "reasons": [REASON, dict(REASON)]}
        data["details"] = [["missing", "nib"]]
        first = referral_fast(data, {})
        second = referral_fast(json.loads(json.dumps(data)), {})
        assert first is not None
        assert second is not None
        assert first.reasons[0] is first.reasons[1] is second.reasons[0]
        assert first.details is second.details
        for number in range(max(_REASONS_MAX, _DETAILS_MAX) + 10):
            data["reasons"] = [{**REASON, "actual": str(number)}]
            data["details"] = [["missing", str(number)]]
            referral_fast(data, {})
        assert 0 < len(_reasons) <= _REASONS_MAX
        assert 0 < len(_details) <= _DETAILS_MAX

    def test_steps_aside_when_a_class_changes_shape(self) -> None:
        data = stored(mk.Referral("b", "u", "r", "1", AT.date()))
        assert referral_fast(data, {}) is not None
        with mock.patch.object(_fastobs, "_REFERRAL_FITS", False):
            assert referral_fast(data, {}) is None


@attrs.frozen
class _Shaped:
    a: str
    b: tuple[str, ...] = ()


@attrs.frozen
class _Checked:
    a: str = attrs.field(validator=attrs.validators.min_len(1))
    b: tuple[str, ...] = ()


@attrs.frozen
class _Widened:
    a: str | None
    b: tuple[str, ...] = ()


@attrs.frozen
class _Optional:
    a: str = "x"
    b: tuple[str, ...] = ()


class TestShape:
    def test_the_classes_are_as_the_decoder_reads_them(self) -> None:
        assert _fastobs._REFERRAL_FITS
        assert _events._PROPOSED_FITS
        assert tuple(a.name for a in attrs.fields(mk.Referral)) == REFERRAL_FIELDS
        assert tuple(a.name for a in attrs.fields(mk.Reason)) == REASON_FIELDS

    def test_a_validator_a_type_or_a_default_gained_is_a_change_of_shape(self) -> None:
        types = (str, tuple[str, ...])
        assert _as_declared(_Shaped, types, {"b": ()})
        assert not _as_declared(_Checked, types, {"b": ()})  # a validator the decoder skips
        assert not _as_declared(_Widened, types, {"b": ()})  # None accepted since
        assert not _as_declared(_Optional, types, {"b": ()})  # "a" no longer required
        assert not _as_declared(_Shaped, types, {"b": ("x",)})  # another default

    def test_the_batch_encoder_guards_with_the_same_field_names(self) -> None:
        assert _fast._EXPECTED_FIELDS[mk.Referral] is REFERRAL_FIELDS
        assert _fast._EXPECTED_FIELDS[mk.Reason] is REASON_FIELDS
        assert _fast.FAST_ENCODE


class TestTrustedConstructors:
    def test_the_decoder_uses_the_shortcuts(self) -> None:
        assert _fastobs._referral is not mk.Referral
        assert _fastobs._reason is not mk.Reason
        assert _events._referral_proposed is not mc.ReferralProposed

    @given(any_referrals, mks.identifiers("unit-"))
    def test_equal_to_the_validated_constructors(
        self, referral: mk.Referral, referral_id: str
    ) -> None:
        made = _fastobs._referral(*attrs.astuple(referral, recurse=False))
        assert type(made) is mk.Referral
        assert made == referral
        assert hash(made) == hash(referral)
        for reason in referral.reasons:
            rebuilt = _fastobs._reason(*attrs.astuple(reason))
            assert type(rebuilt) is mk.Reason
            assert rebuilt == reason
            assert hash(rebuilt) == hash(reason)
        event = _events._referral_proposed(referral_id, referral, 1)
        assert type(event) is mc.ReferralProposed
        assert event == mc.ReferralProposed(referral_id, referral)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made.unit = "x"  # type: ignore[misc]  # frozen, as the real one


class TestReferralProposedFast:
    @given(st.builds(mc.ReferralProposed, mks.identifiers("unit-"), any_referrals))
    def test_a_stored_referral_is_read_fast(self, event: mc.ReferralProposed) -> None:
        record = mc.to_record("case/c-1", 2, "u", AT, event)
        fast = referral_proposed_fast(dict(record.data))
        assert fast == event
        assert fast is not None
        assert _types(fast.referral) == _types(mk.decode(record.data, mc.ReferralProposed).referral)
        with mock.patch.object(_events, "decode", side_effect=AssertionError("strict path")):
            assert mc.from_record(record) == event  # from the fast path

    @settings(max_examples=400)
    @given(proposed_payloads())
    def test_never_accepts_what_the_strict_decoder_rejects(self, data: Any) -> None:
        fast = referral_proposed_fast(data)
        if fast is not None:
            strict = strict_decode(data, mc.ReferralProposed)
            assert strict is not None, "the fast path accepted what the strict one rejects"
            assert fast == strict
            assert type(fast.schema) is type(strict.schema)
            assert _types(fast.referral) == _types(strict.referral)

    @settings(max_examples=300)
    @given(text_damaged_payloads())
    def test_text_anywhere_is_checked_as_the_strict_decoder_checks_it(self, data: Any) -> None:
        # Blank text is refused only as a referral_id; a lone surrogate everywhere.
        fast = referral_proposed_fast(data)
        strict = strict_decode(data, mc.ReferralProposed)
        assert fast == strict

    @settings(max_examples=200)
    @given(proposed_payloads())
    def test_from_record_gives_equal_events_either_way(self, data: Any) -> None:
        record = mk.EventRecord("case/c-1", 4, "referral.proposed", "u", AT, data)

        with_fast, strict_only = read_both_ways(record, "referral_proposed_fast")
        assert with_fast == strict_only

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"referral_id": ""}, "$.referral_id"),
            ({"referral_id": " \t"}, "$.referral_id"),
            ({"referral_id": None}, "$.referral_id"),
            ({"referral_id": "\ud800"}, "$.referral_id"),
            ({"schema": True}, "$.schema"),
            ({"referral": []}, "$.referral"),
            ({"referral": None}, "$.referral"),
            ({"extra": 1}, "$"),
        ],
    )
    def test_a_damaged_event_is_named_by_field_path(
        self, change: dict[str, Any], path: str
    ) -> None:
        event = mc.ReferralProposed("capital-1", mk.Referral("b", "u", "r", "1", AT.date()))
        record = mc.to_record("case/c-1", 3, "u", AT, event)
        assert referral_proposed_fast(dict(record.data)) == event
        payload = {**record.data, **change}
        assert referral_proposed_fast(payload) is None
        damaged = mk.EventRecord(record.stream, record.version, record.kind, "u", AT, payload)
        with pytest.raises(mk.DecodeError) as caught:
            mc.from_record(damaged)
        assert "event case/c-1@3 (referral.proposed)" in str(caught.value)
        assert path in [issue.path for issue in caught.value.issues]

    def test_a_bad_reason_is_named_by_field_path(self) -> None:
        referral = mk.Referral(
            "b", "u", "r", "1", AT.date(), (mk.Reason("f", "==", "1", "2", True),)
        )
        payload = stored(mc.ReferralProposed("u-1", referral))
        assert mc.from_record(mk.EventRecord("case/c-1", 3, "referral.proposed", "u", AT, payload))
        payload["referral"]["reasons"][0]["held"] = "yes"
        damaged = mk.EventRecord("case/c-1", 3, "referral.proposed", "u", AT, payload)
        with pytest.raises(mk.DecodeError) as caught:
            mc.from_record(damaged)
        assert [issue.path for issue in caught.value.issues] == ["$.referral.reasons[0].held"]

    def test_steps_aside_when_the_event_class_changes_shape(self) -> None:
        event = mc.ReferralProposed("capital-1", mk.Referral("b", "u", "r", "1", AT.date()))
        data = stored(event)
        assert referral_proposed_fast(data) == event
        with mock.patch.object(_events, "_PROPOSED_FITS", False):
            assert referral_proposed_fast(data) is None
            record = mk.EventRecord("case/c-1", 3, "referral.proposed", "u", AT, data)
            assert mc.from_record(record) == event  # the strict path
