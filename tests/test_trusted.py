"""Trusted constructors equal the class's own, and step aside when the class changes shape."""

import attrs
import pytest
from hypothesis import given

import mentorkit as mk
from mentorkit import _fastobs
from mentorkit._trusted import trusted_constructor
from mentorkit.testing import strategies as mks

OBSERVATION_FIELDS = tuple(a.name for a in attrs.fields(mk.Observation))


class TestTrustedObservation:
    def test_the_batch_uses_the_shortcut(self) -> None:
        assert _fastobs.trusted_observation is not mk.Observation

    @given(mks.observations())
    def test_equal_to_the_validated_constructor(self, observation: mk.Observation) -> None:
        values = attrs.astuple(observation, recurse=False)
        made = _fastobs.trusted_observation(*values)
        assert type(made) is mk.Observation
        assert made == mk.Observation(*values) == observation
        assert hash(made) == hash(observation)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made.value = False  # type: ignore[misc]  # frozen, as the real one


@attrs.define
class _Converted:
    a: int = attrs.field(converter=int)


@attrs.define
class _PostInit:
    a: int

    def __attrs_post_init__(self) -> None:
        self.a += 1


@attrs.define(slots=False)
class _NotSlotted:
    a: int


@attrs.frozen
class _Plain:
    a: int = attrs.field(validator=attrs.validators.gt(0))
    b: str = "x"


class TestShape:
    @pytest.mark.parametrize("cls", [_Converted, _PostInit, _NotSlotted])
    def test_a_class_of_another_shape_gets_its_own_constructor(self, cls: type) -> None:
        assert trusted_constructor(cls, ("a",)) is cls

    def test_fields_must_match_in_order(self) -> None:
        assert trusted_constructor(_Plain, ("b", "a")) is _Plain
        assert trusted_constructor(_Plain, ("a",)) is _Plain

    def test_skips_validators_only(self) -> None:
        make = trusted_constructor(_Plain, ("a", "b"))
        assert make is not _Plain
        assert make(3, "y") == _Plain(3, "y")
        assert make(0, "y").a == 0  # the validator did not run: trusted input only
        with pytest.raises(ValueError, match="'a' must be > 0"):
            _Plain(0, "y")
