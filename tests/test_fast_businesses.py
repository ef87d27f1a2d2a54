"""business_fast and case_opened_fast: the hand decoders agree with the strict one.

For any valid business (or ``case.opened`` payload) the fast path gives the
same value; for damaged ones (a field changed, dropped or added, at any
depth: the business, its owner, a licence, the cooperative membership, a
sales channel) it either steps aside (None) or gives exactly what
``mentorkit.decode`` gives, and never accepts what it rejects. Errors
(from the strict path) never show the owner's NIK or phone number.
"""

import datetime as dt
from copy import deepcopy
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
    ODD_JSON,
    ODD_TEXTS,
    TEXTS,
    copied,
    damage,
    read_both_ways,
    stored,
    strict_decode,
    texts_in,
    types_in,
)
from mentorkit import _fastobs
from mentorkit import cases as mc
from mentorkit._fastobs import (
    _CHANNELS_MAX,
    BUSINESS_FIELDS,
    LICENCE_FIELDS,
    MEMBERSHIP_FIELDS,
    PERSON_FIELDS,
    _as_declared,
    _channel_tuples,
    business_fast,
)
from mentorkit._model import _nib_digits, _nik_digits, _non_empty
from mentorkit._trusted import trusted_constructor
from mentorkit.cases import _events
from mentorkit.cases._events import case_opened_fast
from mentorkit.testing import strategies as mks

NIK = "3674010000000001"
PHONE = "080089768469"
ARABIC_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"

# Values the strict decoder may or may not accept in any field: every JSON type, edge
# numbers, enum values of every class, near-miss dates, NIKs and phone numbers.
odd_values = st.one_of(
    ODD_JSON,
    st.integers(-2, 2),
    st.sampled_from(
        [
            *ODD_TEXTS,
            "female",
            "trade",
            "nib",
            "shop",
            "2025-01-31",
            "2025-02-30",
            "2025-1-31",
            NIK,
            PHONE,
            "1234567890123",
        ]
    ),
    mks.names(),
    st.lists(st.sampled_from(["shop", "x", "", "\ud800", 1, None]), max_size=3),
    st.dictionaries(st.sampled_from(["x", "name", "kind"]), st.integers(), max_size=1),
)

_AMOUNTS = st.sampled_from([True, False, 0, 1, -1, 1.0, 0.5, "1", None, 10**30, -(10**30)])


def _digit_strings(count: int) -> st.SearchStrategy[Any]:
    """Near misses for a ``count``-digit number: one digit short or over, other digits."""
    return st.sampled_from(
        [
            "1" * count,
            "1" * (count - 1),
            "1" * (count + 1),
            "1" * (count - 1) + "a",
            " " + "1" * (count - 1),
            "1" * count + "\n",
            ARABIC_DIGITS[1] * count,  # other digits: the strict decoder accepts them
            "\u00b2" * count,  # superscript two: a digit to str.isdigit, not to \d
            "\ud800" * count,
            int("1" * count),
            None,
            "",
        ]
    )


_PHONES = (
    st.sampled_from(
        [
            PHONE,
            "+" + PHONE,
            "++" + PHONE,
            "1234567",
            "12345678",
            "1" * 15,
            "1" * 16,
            "+" + "1" * 15,
            "0812-3456-789",
            ARABIC_DIGITS[1] * 10,
            "+" + ARABIC_DIGITS[2] * 9,
            PHONE + "\n",
            81234567890,
            None,
            "",
        ]
    )
    | mks.phones()
)

# Near misses (and valid alternatives) for each field: most corruptions hit one check.
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": TEXTS,
    "name": TEXTS,
    "district": TEXTS,
    "address": TEXTS,
    "number": TEXTS,
    "cooperative_id": TEXTS,
    "case_id": TEXTS,
    "programme_id": TEXTS,
    "founded": DATES | st.none(),
    "issued": DATES | st.none(),
    "expires": DATES | st.none(),
    "joined": DATES | st.none(),
    "opened_on": DATES | st.none(),
    "employees": _AMOUNTS,
    "capital": _AMOUNTS,
    "annual_sales": _AMOUNTS,
    "financing_need": _AMOUNTS,
    "nib": _digit_strings(13) | st.from_regex(r"[0-9]{13}", fullmatch=True),
    "nik": _digit_strings(16) | mks.niks(),
    "phone": _PHONES,
    "gender": st.sampled_from(["female", "male", "Female", "f", "", None, 1, ["male"]]),
    "sector": st.sampled_from(["trade", "craft", "Trade", "kuliner", "", None, 1]),
    "kind": st.sampled_from(["nib", "halal", "NIB", "izin", "", None, 1]),
    "owner": st.sampled_from([None, [], "x", {}, {"name": "A"}, {"name": " "}]),
    "licences": st.sampled_from([[], None, "", {}, "l", [None], [{}], [[]]]),
    "cooperative": st.sampled_from([None, [], "k", {}, {"cooperative_id": "k-1"}]),
    "sales_channels": st.lists(
        st.sampled_from(["shop", "marketplace", "export", "Shop", "", None, 1]), max_size=3
    )
    | st.sampled_from([None, "", "shop", {}, {"shop": 1}]),
    "business": st.sampled_from([None, [], "x", {}]),
    "schema": st.sampled_from([True, False, 0, 1, 2, -1, 1.0, "1", None, 10**30]),
}

BUSINESS_KEYS = [a.name for a in attrs.fields(mk.Business)]
PERSON_KEYS = [a.name for a in attrs.fields(mk.Person)]
LICENCE_KEYS = [a.name for a in attrs.fields(mk.Licence)]
MEMBERSHIP_KEYS = [a.name for a in attrs.fields(mk.CooperativeMembership)]
OPENED_KEYS = [a.name for a in attrs.fields(mc.CaseOpened)]


def _damage(draw: st.DrawFn, item: dict[str, Any], keys: list[str]) -> None:
    """Change one field of ``item`` to an odd value, drop one, or add an unknown one."""
    damage(draw, item, keys, FIELD_VALUES, odd_values)


def _damage_channels(draw: st.DrawFn, channels: list[Any]) -> None:
    """Change one sales channel, repeat one, drop one or add one."""
    change = draw(st.sampled_from(["value", "repeat", "drop", "add"]))
    if change == "add" or not channels:
        channels.append(draw(st.sampled_from(mk.SalesChannel)).value)
    elif change == "value":
        channels[draw(st.integers(0, len(channels) - 1))] = copied(draw, odd_values)
    elif change == "repeat":
        channels.append(channels[draw(st.integers(0, len(channels) - 1))])
    else:
        channels.pop(draw(st.integers(0, len(channels) - 1)))


def _damage_business(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Damage the business, its owner, a licence, its membership or its sales channels."""
    where = draw(st.sampled_from(["business", "owner", "licence", "cooperative", "channels"]))
    owner, licences = data.get("owner"), data.get("licences")
    cooperative, channels = data.get("cooperative"), data.get("sales_channels")
    if where == "owner" and isinstance(owner, dict):
        _damage(draw, owner, PERSON_KEYS)
    elif where == "licence" and isinstance(licences, list) and licences:
        item = licences[draw(st.integers(0, len(licences) - 1))]
        if isinstance(item, dict):
            _damage(draw, item, LICENCE_KEYS)
    elif where == "cooperative" and isinstance(cooperative, dict):
        _damage(draw, cooperative, MEMBERSHIP_KEYS)
    elif where == "channels" and isinstance(channels, list):
        _damage_channels(draw, channels)
    else:
        _damage(draw, data, BUSINESS_KEYS)


@st.composite
def business_payloads(draw: st.DrawFn) -> Any:
    """Encoded businesses, most of them damaged once or more."""
    data = stored(draw(mks.businesses()))
    for _ in range(draw(st.integers(0, 3))):
        _damage_business(draw, data)
    return data


opened_events = st.builds(
    mc.CaseOpened,
    case_id=mks.identifiers("c-"),
    business=mks.businesses(),
    programme_id=mks.identifiers("p-"),
    opened_on=mks.dates(),
)


@st.composite
def opened_payloads(draw: st.DrawFn) -> Any:
    """Encoded ``case.opened`` events, damaged at the top or anywhere in the business."""
    data = stored(draw(opened_events))
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()) and isinstance(data.get("business"), dict):
            _damage_business(draw, data["business"])
        else:
            _damage(draw, data, OPENED_KEYS)
    return data


@st.composite
def full_businesses(draw: st.DrawFn) -> mk.Business:
    """Businesses with every optional field set: an owner's NIK and phone, an address, a NIB,
    a licence, a cooperative membership, a sales channel (every text somewhere to damage)."""
    business = draw(mks.businesses())
    owner = business.owner
    return attrs.evolve(
        business,
        owner=attrs.evolve(
            owner,
            nik=owner.nik or draw(mks.niks()),
            phone=owner.phone or draw(mks.phones()),
            gender=owner.gender or draw(st.sampled_from(mk.Gender)),
        ),
        address=business.address or draw(mks.names()),
        founded=business.founded or draw(mks.dates()),
        nib=business.nib or "1234567890123",
        licences=business.licences or (draw(mks.licences()),),
        cooperative=business.cooperative or draw(mks.memberships()),
        sales_channels=business.sales_channels or (draw(st.sampled_from(mk.SalesChannel)),),
    )


#: Blank text, blank to ``str.strip`` only (an ideographic space), and lone surrogates.
BAD_TEXTS = ("", " \t", "\u3000", "\ud800", "a\udfffb")


def _good() -> dict[str, Any]:
    """A business with every field set, as stored."""
    return {
        "id": "TSL-0001",
        "name": "Percetakan Prima",
        "owner": {"name": "Rina", "nik": NIK, "phone": PHONE, "gender": "female"},
        "sector": "services",
        "district": "Serpong",
        "address": "Jl. Permana No. 71",
        "founded": "2014-03-24",
        "employees": 5,
        "capital": 66092000,
        "annual_sales": 296147000,
        "financing_need": None,
        "nib": "5028182422346",
        "licences": [
            {"kind": "spp_irt", "number": "5043", "issued": "2014-10-19", "expires": "2019-10-18"},
            {"kind": "halal", "number": "ID36", "issued": None, "expires": None},
        ],
        "cooperative": {"cooperative_id": "KOP-01-3", "joined": "2015-08-03"},
        "sales_channels": ["reseller", "marketplace", "social_media"],
    }


def _with(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``data`` with the value at ``path`` replaced (or removed if ``...``)."""
    copy = deepcopy(data)
    *parents, last = path
    container: Any = copy
    for step in parents:
        container = container[step]
    if value is ...:
        del container[last]
    else:
        container[last] = value
    return copy


class TestBusinessFast:
    """business_fast gives what the strict decoder gives, or steps aside."""

    @given(mks.businesses())
    def test_a_valid_business_is_decoded_fast_and_equal(self, business: mk.Business) -> None:
        fast = business_fast(stored(business), {})
        assert fast is not None
        assert fast == business == mk.decode(stored(business), mk.Business)
        assert fast.owner.nik == business.owner.nik  # eq compares it; repr does not show it
        assert types_in(fast) == types_in(business)

    def test_the_citys_shapes_are_decoded_fast(self) -> None:
        good = _good()
        fast = business_fast(good, {})
        assert fast is not None
        assert fast == mk.decode(good, mk.Business)
        assert types_in(fast) == types_in(mk.decode(good, mk.Business))

    @settings(max_examples=400)
    @given(business_payloads())
    def test_never_accepts_what_the_strict_decoder_rejects(self, data: Any) -> None:
        fast = business_fast(data, {})
        if fast is not None:
            strict = strict_decode(data, mk.Business)
            assert strict is not None, "the fast path accepted what the strict one rejects"
            assert fast == strict
            assert types_in(fast) == types_in(strict)

    @pytest.mark.parametrize(
        ("path", "value", "issue"),
        [
            (("id",), "", "$.id"),
            (("name",), " \t", "$.name"),
            (("district",), "\ud800", "$.district"),
            (("district",), ..., "$.district"),
            (("address",), 7, "$.address"),
            (("sector",), "Services", "$.sector"),
            (("founded",), "2014-02-30", "$.founded"),
            (("founded",), "2014-3-24", "$.founded"),
            (("employees",), True, "$.employees"),
            (("employees",), -1, "$.employees"),
            (("employees",), 5.0, "$.employees"),
            (("employees",), None, "$.employees"),
            (("capital",), False, "$.capital"),
            (("annual_sales",), -(10**20), "$.annual_sales"),
            (("financing_need",), "1000", "$.financing_need"),
            (("nib",), "502818242234", "$.nib"),
            (("nib",), 5028182422346, "$.nib"),
            (("owner",), None, "$.owner"),
            (("owner",), [], "$.owner"),
            (("owner", "name"), ..., "$.owner.name"),
            (("owner", "name"), "", "$.owner.name"),
            (("owner", "nik"), NIK[:-1], "$.owner.nik"),
            (("owner", "nik"), NIK + "0", "$.owner.nik"),
            (("owner", "nik"), NIK[:-1] + "x", "$.owner.nik"),
            (("owner", "nik"), int(NIK), "$.owner.nik"),
            (("owner", "phone"), "0812-3456-7890", "$.owner.phone"),
            (("owner", "phone"), "+" + PHONE + "9999", "$.owner.phone"),
            (("owner", "gender"), "f", "$.owner.gender"),
            (("owner", "x"), 1, "$.owner"),
            (("licences",), None, "$.licences"),
            (("licences", 0, "kind"), "izin", "$.licences[0].kind"),
            (("licences", 0, "number"), " ", "$.licences[0].number"),
            (("licences", 1, "number"), ..., "$.licences[1].number"),
            (("licences", 0, "issued"), "2014-13-01", "$.licences[0].issued"),
            (("licences", 0, "expires"), "2014-10-18", "$.licences[0].expires"),
            (("licences", 1, "x"), None, "$.licences[1]"),
            (("cooperative",), [], "$.cooperative"),
            (("cooperative", "cooperative_id"), "", "$.cooperative.cooperative_id"),
            (("cooperative", "joined"), 2015, "$.cooperative.joined"),
            (("cooperative", "x"), 1, "$.cooperative"),
            (("sales_channels",), ["shop", "shop"], "$.sales_channels"),
            (("sales_channels",), ["shop", "web"], "$.sales_channels[1]"),
            (("sales_channels",), [None], "$.sales_channels[0]"),
            (("sales_channels",), "shop", "$.sales_channels[0]"),
            (("x",), 1, "$"),
            (("id",), "\ud800", "$.id"),
            (("name",), "a\udfffb", "$.name"),
            (("address",), "\ud800", "$.address"),
            (("owner", "name"), "\udbff", "$.owner.name"),
            (("licences", 0, "number"), "\ud800", "$.licences[0].number"),
            (("cooperative", "cooperative_id"), "\ud800", "$.cooperative.cooperative_id"),
        ],
    )
    def test_a_bad_field_takes_the_strict_path(
        self, path: tuple[Any, ...], value: Any, issue: str
    ) -> None:
        good = _good()
        assert business_fast(good, {}) == mk.decode(good, mk.Business)
        bad = _with(good, path, value)
        assert business_fast(bad, {}) is None
        with pytest.raises(mk.DecodeError) as caught:
            mk.decode(bad, mk.Business)
        assert issue in [found.path for found in caught.value.issues]
        assert NIK[4:] not in str(caught.value)  # personal data: never in an error
        assert PHONE[3:] not in str(caught.value)

    def test_optional_fields_take_their_defaults(self) -> None:
        required = {"id": "b", "name": "n", "owner": {"name": "o"}}
        bare = {**required, "sector": "trade", "district": "d"}
        fast = business_fast(bare, {})
        assert fast is not None
        assert fast == mk.decode(bare, mk.Business)
        assert (fast.employees, fast.licences, fast.sales_channels) == (0, (), ())
        assert (fast.owner.nik, fast.owner.phone, fast.owner.gender, fast.cooperative) == (
            None,
            None,
            None,
            None,
        )
        nulls = {**bare, "address": None, "founded": None, "capital": None, "nib": None}
        nulls["cooperative"] = None
        assert business_fast(nulls, {}) == mk.decode(nulls, mk.Business)
        for name in ("id", "name", "owner", "sector", "district"):
            partial = {k: v for k, v in bare.items() if k != name}
            assert business_fast(partial, {}) is None
            assert strict_decode(partial, mk.Business) is None
        blank_address = {**bare, "address": " "}  # no check on the address: blank is text
        assert business_fast(blank_address, {}) == mk.decode(blank_address, mk.Business)

    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (("licences",), {}),
            (("licences",), ""),
            (("sales_channels",), {}),
        ],
    )
    def test_rare_shapes_the_strict_decoder_accepts_take_the_strict_path(
        self, path: tuple[Any, ...], value: Any
    ) -> None:
        # An empty object or text read as an empty list: never written by mentorkit, left to
        # the strict path.
        data = _with(_good(), path, value)
        assert strict_decode(data, mk.Business) is not None
        assert business_fast(data, {}) is None

    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (("owner", "nik"), ARABIC_DIGITS[3] * 16),
            (("owner", "nik"), "\uff13" * 16),  # full-width digits
            (("nib",), ARABIC_DIGITS[9] * 13),
            (("owner", "phone"), "+" + ARABIC_DIGITS),
        ],
    )
    def test_other_scripts_digits_are_no_nik_nib_or_phone(
        self, path: tuple[Any, ...], value: Any
    ) -> None:
        # Neither path takes them: the office's systems (Dukcapil, OSS) know ASCII digits only.
        data = _with(_good(), path, value)
        assert strict_decode(data, mk.Business) is None
        assert business_fast(data, {}) is None

    @given(st.text(alphabet="0123456789+ \u00b2" + ARABIC_DIGITS, max_size=17))
    def test_nik_nib_and_phone_are_checked_as_their_validators_check_them(self, text: str) -> None:
        for field, path in (("nik", ("owner", "nik")), ("phone", ("owner", "phone"))):
            data = _with(_good(), path, text)
            fast, strict = business_fast(data, {}), strict_decode(data, mk.Business)
            assert fast is None or fast == strict, field
            assert (fast is None) == (strict is None), field
        data = _with(_good(), ("nib",), text)
        fast, strict = business_fast(data, {}), strict_decode(data, mk.Business)
        assert fast is None or fast == strict
        assert (fast is None) == (strict is None)

    def test_only_lists_of_text_are_read_as_sales_channels(self) -> None:
        data = _good()
        for odd in (["shop", ["marketplace"]], [{"shop": 1}], ("shop",), [mk.SalesChannel.SHOP]):
            assert business_fast({**data, "sales_channels": odd}, {}) is None

    def test_equal_channel_lists_share_one_tuple_and_the_cache_stays_small(self) -> None:
        first = business_fast(_good(), {})
        second = business_fast(_good(), {})
        assert first is not None
        assert second is not None
        assert first.sales_channels is second.sales_channels
        assert all(type(c) is mk.SalesChannel for c in first.sales_channels)
        data = _good()
        for number in range(_CHANNELS_MAX + 10):
            data["sales_channels"] = ["shop", "x" * number]  # never cached: an unknown channel
            assert business_fast(data, {}) is None
        assert len(_channel_tuples) <= _CHANNELS_MAX
        channels = list(mk.SalesChannel)
        for size in range(len(channels) + 1):
            data["sales_channels"] = [c.value for c in channels[:size]]
            assert business_fast(data, {}) == mk.decode(data, mk.Business)
        assert 0 < len(_channel_tuples) <= _CHANNELS_MAX

    def test_steps_aside_when_a_class_changes_shape(self) -> None:
        assert business_fast(_good(), {}) is not None
        with mock.patch.object(_fastobs, "_BUSINESS_FITS", False):
            assert business_fast(_good(), {}) is None


class TestCaseOpenedFast:
    """case_opened_fast and from_record: the same events and errors with or without it."""

    @given(opened_events)
    def test_a_stored_opening_is_read_fast(self, event: mc.CaseOpened) -> None:
        record = mc.to_record("case/c-1", 1, "u", AT, event)
        fast = case_opened_fast(dict(record.data))
        assert fast == event
        assert fast is not None
        assert types_in(fast) == types_in(mk.decode(record.data, mc.CaseOpened))
        with mock.patch.object(_events, "decode", side_effect=AssertionError("strict path")):
            assert mc.from_record(record) == event  # from the fast path

    @settings(max_examples=400)
    @given(opened_payloads())
    def test_never_accepts_what_the_strict_decoder_rejects(self, data: Any) -> None:
        fast = case_opened_fast(data)
        if fast is not None:
            strict = strict_decode(data, mc.CaseOpened)
            assert strict is not None, "the fast path accepted what the strict one rejects"
            assert fast == strict
            assert types_in(fast) == types_in(strict)

    @settings(max_examples=60)
    @given(opened_events | st.builds(attrs.evolve, opened_events, business=full_businesses()))
    def test_every_text_is_checked_as_the_strict_decoder_checks_it(
        self, event: mc.CaseOpened
    ) -> None:
        # Each text of the payload in turn (ids, names, NIK, phone, enums, dates, licence
        # numbers, channels...) made blank or bad Unicode: blank text is refused except as
        # an address; a lone surrogate everywhere.
        data = stored(event)
        for index in range(len(texts_in(data))):
            for bad in BAD_TEXTS:
                damaged = deepcopy(data)
                container, key = texts_in(damaged)[index]
                container[key] = bad
                fast = case_opened_fast(damaged)
                strict = strict_decode(damaged, mc.CaseOpened)
                assert fast == strict, (key, bad)
                assert fast is None or types_in(fast) == types_in(strict)

    @settings(max_examples=200)
    @given(opened_payloads())
    def test_from_record_gives_equal_events_either_way(self, data: Any) -> None:
        record = mk.EventRecord("case/c-1", 1, "case.opened", "u", AT, data)

        with_fast, strict_only = read_both_ways(record, "case_opened_fast")
        assert with_fast == strict_only

    @settings(max_examples=100)
    @given(opened_payloads(), mks.niks(), mks.phones())
    def test_errors_never_show_the_nik_or_the_phone(self, data: Any, nik: str, phone: str) -> None:
        business = data.get("business")
        owner = business.get("owner") if isinstance(business, dict) else None
        if not isinstance(owner, dict):
            return
        owner["nik"] = short = nik[:-1]  # one digit short: always an error
        owner["phone"] = phone
        record = mk.EventRecord("case/c-1", 1, "case.opened", "u", AT, data)
        with pytest.raises(mk.DecodeError) as caught:
            mc.from_record(record)
        assert short not in str(caught.value)
        assert short not in repr(caught.value.issues)
        assert phone not in str(caught.value)

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"case_id": ""}, "$.case_id"),
            ({"case_id": None}, "$.case_id"),
            ({"programme_id": " \t"}, "$.programme_id"),
            ({"programme_id": "\ud800"}, "$.programme_id"),
            ({"opened_on": "2026-8-3"}, "$.opened_on"),
            ({"opened_on": None}, "$.opened_on"),
            ({"schema": True}, "$.schema"),
            ({"business": []}, "$.business"),
            ({"business": None}, "$.business"),
            ({"extra": 1}, "$"),
        ],
    )
    def test_a_damaged_event_is_named_by_field_path(
        self, change: dict[str, Any], path: str
    ) -> None:
        event = mc.CaseOpened("c-1", mk.decode(_good(), mk.Business), "p-1", AT.date())
        record = mc.to_record("case/c-1", 1, "u", AT, event)
        assert case_opened_fast(dict(record.data)) == event
        payload = {**record.data, **change}
        assert case_opened_fast(payload) is None
        damaged = mk.EventRecord(record.stream, record.version, record.kind, "u", AT, payload)
        with pytest.raises(mk.DecodeError) as caught:
            mc.from_record(damaged)
        assert "event case/c-1@1 (case.opened)" in str(caught.value)
        assert path in [issue.path for issue in caught.value.issues]

    def test_a_bad_nik_is_named_by_field_path_without_its_value(self) -> None:
        payload = stored(mc.CaseOpened("c-1", mk.decode(_good(), mk.Business), "p-1", AT.date()))
        payload["business"]["owner"]["nik"] = NIK[:-1]
        damaged = mk.EventRecord("case/c-1", 1, "case.opened", "u", AT, payload)
        with pytest.raises(mk.DecodeError) as caught:
            mc.from_record(damaged)
        assert [issue.path for issue in caught.value.issues] == ["$.business.owner.nik"]
        assert NIK[:-1] not in str(caught.value)

    def test_the_schema_defaults_when_not_stored(self) -> None:
        payload = stored(mc.CaseOpened("c-1", mk.decode(_good(), mk.Business), "p-1", AT.date()))
        del payload["schema"]
        fast = case_opened_fast(payload)
        assert fast is not None
        assert fast == mk.decode(payload, mc.CaseOpened)
        assert fast.schema == 1

    def test_steps_aside_when_the_event_class_changes_shape(self) -> None:
        event = mc.CaseOpened("c-1", mk.decode(_good(), mk.Business), "p-1", AT.date())
        data = stored(event)
        assert case_opened_fast(data) == event
        for flag, module in (("_OPENED_FITS", _events), ("_BUSINESS_FITS", _fastobs)):
            with mock.patch.object(module, flag, False):
                assert case_opened_fast(data) is None
                record = mk.EventRecord("case/c-1", 1, "case.opened", "u", AT, data)
                assert mc.from_record(record) == event  # the strict path


def _other_non_empty(_inst: object, attribute: Any, value: str) -> None:
    """A check of the same name and body as the model's, but another function."""
    _non_empty(_inst, attribute, value)


@attrs.frozen
class _Checked:
    a: str = attrs.field(validator=_non_empty)
    b: int = 0


@attrs.frozen
class _Unchecked:
    a: str
    b: int = 0


@attrs.frozen
class _Swapped:
    a: str = attrs.field(validator=_other_non_empty)
    b: int = 0


@attrs.frozen
class _MoreChecked:
    a: str = attrs.field(validator=_non_empty)
    b: int = attrs.field(default=0, validator=attrs.validators.ge(0))


@attrs.frozen
class _OtherDefault:
    a: str = attrs.field(validator=_non_empty)
    b: int = False


class TestShape:
    """The decoders read the classes as they are, and step aside when they change."""

    def test_the_classes_are_as_the_decoder_reads_them(self) -> None:
        assert _fastobs._BUSINESS_FITS
        assert _events._OPENED_FITS
        assert tuple(a.name for a in attrs.fields(mk.Business)) == BUSINESS_FIELDS
        assert tuple(a.name for a in attrs.fields(mk.Person)) == PERSON_FIELDS
        assert tuple(a.name for a in attrs.fields(mk.Licence)) == LICENCE_FIELDS
        assert tuple(a.name for a in attrs.fields(mk.CooperativeMembership)) == MEMBERSHIP_FIELDS
        assert attrs.fields(mk.Person).nik.validator is _nik_digits
        assert attrs.fields(mk.Business).nib.validator is _nib_digits

    def test_a_validator_gained_lost_or_swapped_is_a_change_of_shape(self) -> None:
        types = (str, int)
        checks: dict[str, object] = {"a": _non_empty}
        assert _as_declared(_Checked, types, {"b": 0}, checks)
        assert not _as_declared(_Unchecked, types, {"b": 0}, checks)  # a check dropped
        assert not _as_declared(_Swapped, types, {"b": 0}, checks)  # another function
        assert not _as_declared(_MoreChecked, types, {"b": 0}, checks)  # a check gained
        assert not _as_declared(_OtherDefault, types, {"b": 0}, checks)  # False is not 0
        assert not _as_declared(_Checked, types, {}, checks)  # "b" no longer required
        assert not _as_declared(_Checked, (str, int | None), {"b": 0}, checks)  # None accepted
        assert _as_declared(_Unchecked, types, {"b": 0})  # as referral_fast calls it

    def test_a_field_gained_is_a_change_of_shape(self) -> None:
        @attrs.frozen
        class Grown:
            cooperative_id: str = attrs.field(validator=_non_empty)
            joined: dt.date | None = None
            role: str | None = None

        assert trusted_constructor(Grown, MEMBERSHIP_FIELDS) is Grown


class TestTrustedConstructors:
    """The shortcuts build the same values as the validated constructors."""

    def test_the_decoder_uses_the_shortcuts(self) -> None:
        assert _fastobs._business is not mk.Business
        assert _fastobs._person is not mk.Person
        assert _fastobs._licence is not mk.Licence
        assert _fastobs._membership is not mk.CooperativeMembership
        assert _events._case_opened is not mc.CaseOpened

    @given(opened_events)
    def test_equal_to_the_validated_constructors(self, event: mc.CaseOpened) -> None:
        business = event.business
        made = _fastobs._business(*attrs.astuple(business, recurse=False))
        assert type(made) is mk.Business
        assert made == business
        assert hash(made) == hash(business)
        owner = _fastobs._person(*attrs.astuple(business.owner, recurse=False))
        assert type(owner) is mk.Person
        assert owner == business.owner
        for licence in business.licences:
            rebuilt = _fastobs._licence(*attrs.astuple(licence, recurse=False))
            assert type(rebuilt) is mk.Licence
            assert rebuilt == licence
        if business.cooperative is not None:
            joined = _fastobs._membership(*attrs.astuple(business.cooperative, recurse=False))
            assert joined == business.cooperative
        opened = _events._case_opened(*attrs.astuple(event, recurse=False))
        assert type(opened) is mc.CaseOpened
        assert opened == event
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made.name = "x"  # type: ignore[misc]  # frozen, as the real one

    def test_the_licence_shortcut_still_checks_its_dates(self) -> None:
        with pytest.raises(mk.InvalidFieldError, match="before the issue date"):
            _fastobs._licence(mk.LicenceKind.HALAL, "1", dt.date(2025, 1, 2), dt.date(2025, 1, 1))
