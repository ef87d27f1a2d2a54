"""Tests of the worked-example plugin, and of the how-to that walks through it."""

import datetime as dt
import pathlib
import re

import mentorkit_example_rubric as plugin
import pytest

from mentorkit import Business, Engine, Observation, Person, Registry, SalesChannel, Sector
from mentorkit.testing.conformance import check_plugin

DAY = dt.date(2026, 6, 1)
PACKAGE = pathlib.Path(__file__).resolve().parents[1]
HOWTO = PACKAGE.parents[1] / "how-to" / "write-a-rubric-plugin.md"


def shop(*channels: SalesChannel) -> Business:
    return Business(
        id="b-1",
        name="Batik Ibu Ani",
        owner=Person(name="Ani"),
        sector=Sector.FASHION,
        district="Setu",
        sales_channels=channels,
    )


def answers(**values: bool | int | str) -> list[Observation]:
    return [
        Observation("b-1", "digital_marketing", criterion, value, DAY)
        for criterion, value in values.items()
    ]


class TestConformance:
    """The example passes the conformance kit and is found through its entry point."""

    def test_passes_the_conformance_kit(self) -> None:
        check_plugin(plugin)

    def test_found_through_its_entry_point(self) -> None:
        registry = Registry.load(allow=["digital_marketing"])
        assert "digital_marketing" in registry.rubrics


class TestScoring:
    """Scores follow the weights (3, 2, 2, 1 of 8) and the derivation."""

    def test_selling_online_alone_is_still_offline(self) -> None:
        engine = Engine(Registry.load(plugins=[plugin], entry_points=False, strict=True))
        business = shop(SalesChannel.MARKETPLACE)  # sells_online is derived: 3 of 8
        observed = answers(product_photos=0, digital_payments=False, replies="rarely")
        (assessment,) = engine.assess(business, observed, on=DAY).assessments
        assert assessment.score == 37.5
        assert assessment.level == "offline"

    def test_with_qris_it_is_starting(self) -> None:
        engine = Engine(Registry.load(plugins=[plugin], entry_points=False, strict=True))
        business = shop(SalesChannel.MARKETPLACE)  # 3 + 2 (QRIS) = 5 of 8
        observed = answers(product_photos=0, digital_payments=True, replies="rarely")
        (assessment,) = engine.assess(business, observed, on=DAY).assessments
        assert assessment.score == 62.5
        assert assessment.level == "starting"

    def test_without_an_online_channel_the_mentor_is_asked(self) -> None:
        engine = Engine(Registry.load(plugins=[plugin], entry_points=False, strict=True))
        observed = answers(product_photos=3, digital_payments=True, replies="same_day")
        (assessment,) = engine.assess(shop(SalesChannel.SHOP), observed, on=DAY).assessments
        assert assessment.missing == ("sells_online",)


def _code_blocks(markdown: str) -> list[str]:
    return re.findall(r"```(?:python|toml)\n(.*?)```", markdown, flags=re.DOTALL)


class TestHowTo:
    """Every code block of the how-to is the real code of this package, verbatim."""

    @pytest.mark.parametrize("index", range(len(_code_blocks(HOWTO.read_text(encoding="utf-8")))))
    def test_code_block_is_in_the_package(self, index: int) -> None:
        block = _code_blocks(HOWTO.read_text(encoding="utf-8"))[index]
        sources = [
            path.read_text(encoding="utf-8")
            for path in PACKAGE.rglob("*")
            if path.suffix in {".py", ".toml"}
        ]
        assert any(block in source for source in sources), f"block {index} is not real code"

    def test_the_how_to_shows_code(self) -> None:
        assert len(_code_blocks(HOWTO.read_text(encoding="utf-8"))) >= 6
