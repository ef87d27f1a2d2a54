"""Cohort indicators (plain data) and the self-contained HTML report."""

import datetime as dt
import itertools
import json
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorkit import (
    Assessment,
    AssessmentStatus,
    Business,
    CooperativeMembership,
    Mentor,
    MentorKind,
    Milestone,
    MilestoneStatus,
    Person,
    Sector,
)
from mentorkit.reports import (
    CohortCase,
    CohortReferral,
    cohort_indicators,
    render_html,
    write_report,
)
from mentorkit.reports._html import _MENTOR_COLUMNS, _caseload_bands
from mentorkit.testing import strategies as mks
from mentorkit.testing.sample import SAMPLE_RUBRIC

pytest.importorskip("matplotlib")

RUBRICS = {SAMPLE_RUBRIC.id: SAMPLE_RUBRIC}
AS_OF = dt.date(2026, 10, 1)
BASELINE = dt.date(2026, 2, 2)
NIK = "3674010000000001"


def _assessment(business_id: str, level: str | None, on: dt.date) -> Assessment:
    score = {"beginner": 20.0, "developing": 50.0, "established": 90.0}.get(level or "")
    return Assessment(
        business_id=business_id,
        rubric_id=SAMPLE_RUBRIC.id,
        rubric_version=SAMPLE_RUBRIC.version,
        assessed_on=on,
        status=AssessmentStatus.COMPLETE if level else AssessmentStatus.INCOMPLETE,
        score=score,
        level=level,
        missing=() if level else ("pricing",),
    )


def _business(ident: str, district: str, sector: Sector, **kw: object) -> Business:
    return Business(
        id=ident,
        name=f"Usaha {ident}",
        owner=Person(name="Sari", nik=NIK, phone="081234567890"),
        sector=sector,
        district=district,
        **kw,  # type: ignore[arg-type]
    )


def _case(business: Business, before: str | None, after: str | None, **kw: object) -> CohortCase:
    return CohortCase(
        business=business,
        baseline=(_assessment(business.id, before, BASELINE),),
        latest=(_assessment(business.id, after, AS_OF),),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def three_cases() -> list[CohortCase]:
    """A moved up; B stayed; C had an incomplete baseline, joined a cooperative via a referral."""
    a = _business(
        "A",
        "Setu",
        Sector.CULINARY,
        capital=50_000_000,
        annual_sales=300_000_000,
        cooperative=CooperativeMembership("K-1"),
    )
    b = _business("B", "Pamulang", Sector.CRAFT)
    c = _business("C", "Setu", Sector.CULINARY, annual_sales=3_000_000_000)
    late = Milestone(id="m1", title="Open an account", due=dt.date(2026, 9, 1))
    done = Milestone(
        id="m2",
        title="Cash book",
        due=dt.date(2026, 9, 1),
        status=MilestoneStatus.DONE,
        completed_on=dt.date(2026, 8, 1),
    )
    return [
        _case(a, "beginner", "developing", has_prospects=True, mentor_id="M-1"),
        _case(
            b,
            "developing",
            "developing",
            has_prospects=False,
            mentor_id="M-1",
            referrals=(
                CohortReferral("capital", "completed", BASELINE, "loan_granted", 10_000_000),
            ),
        ),
        _case(
            c,
            None,
            "established",
            milestones=(late, done),
            referrals=(
                CohortReferral("cooperative", "completed", BASELINE, "joined_cooperative"),
                CohortReferral("capital", "sent", BASELINE),
            ),
        ),
    ]


MENTORS = [Mentor(id="M-1", name="Dewi", kind=MentorKind.ACADEMIC, capacity=1)]


class TestIndicators:
    """Each indicator counted by hand on a three-business cohort."""

    def test_counts(self, three_cases: list[CohortCase]) -> None:
        ind = cohort_indicators(three_cases, as_of=AS_OF, rubrics=RUBRICS, mentors=MENTORS)
        assert ind["businesses"]["total"] == 3
        assert ind["businesses"]["by_district"] == {"Pamulang": 1, "Setu": 2}
        assert ind["businesses"]["by_sector"] == {"craft": 1, "culinary": 2}
        # A micro (sales 300m), C small (sales 3bn), B unknown (no capital, no sales).
        assert ind["businesses"]["by_size_class"] == {"micro": 1, "small": 1, "unknown": 1}

    def test_levels_and_movement(self, three_cases: list[CohortCase]) -> None:
        levels = cohort_indicators(three_cases, as_of=AS_OF, rubrics=RUBRICS)["levels"]
        sample = levels[SAMPLE_RUBRIC.id]
        assert sample["levels"] == ["beginner", "developing", "established", "incomplete"]
        assert sample["baseline"] == {
            "beginner": 1,
            "developing": 1,
            "established": 0,
            "incomplete": 1,
        }
        assert sample["latest"] == {
            "beginner": 0,
            "developing": 2,
            "established": 1,
            "incomplete": 0,
        }
        # C cannot be compared: its baseline was incomplete.
        assert sample["moved"] == {"up": 1, "down": 0, "same": 1}
        assert sample["mean_score"] == round((50 + 50 + 90) / 3, 1)

    def test_prospects_referrals_cooperatives(self, three_cases: list[CohortCase]) -> None:
        ind = cohort_indicators(three_cases, as_of=AS_OF, rubrics=RUBRICS)
        assert ind["prospects"] == {"yes": 1, "no": 1, "unknown": 1}
        capital = ind["referrals"]["capital"]
        assert capital["total"] == 2
        assert capital["businesses"] == 2
        assert capital["by_status"] == {"completed": 1, "sent": 1}
        assert capital["by_outcome"] == {"loan_granted": 1}
        assert capital["loans_granted_rupiah"] == 10_000_000
        # A is on the record as a member; C joined through the referral.
        assert ind["cooperative"]["members"] == 2
        assert ind["cooperative"]["rate"] == round(2 / 3, 4)
        assert ind["cooperative"]["joined_after_referral"] == 1

    def test_mentors_and_milestones(self, three_cases: list[CohortCase]) -> None:
        ind = cohort_indicators(three_cases, as_of=AS_OF, mentors=MENTORS)
        mentors = ind["mentors"]
        assert mentors["assigned_cases"] == 2
        assert mentors["unassigned_cases"] == 1
        assert mentors["over_capacity"] == 1  # two cases, capacity one
        milestones = ind["milestones"]
        assert milestones["by_status"]["planned"] == 1
        assert milestones["by_status"]["done"] == 1
        assert milestones["overdue"] == 1
        assert milestones["overdue_list"] == [
            {
                "business_id": "C",
                "milestone_id": "m1",
                "title": "Open an account",
                "due": "2026-09-01",
            }
        ]

    def test_no_personal_data_in_indicators(self, three_cases: list[CohortCase]) -> None:
        text = json.dumps(cohort_indicators(three_cases, as_of=AS_OF, rubrics=RUBRICS))
        assert NIK not in text
        assert "081234567890" not in text

    @settings(max_examples=30, deadline=None)
    @given(
        businesses=st.lists(mks.businesses(), max_size=12),
        levels=st.lists(
            st.tuples(
                st.sampled_from([None, "beginner", "developing", "established"]),
                st.sampled_from([None, "beginner", "developing", "established"]),
            ),
            min_size=12,
            max_size=12,
        ),
    )
    def test_totals_agree_and_json_ready(
        self, businesses: list[Business], levels: list[tuple[str | None, str | None]]
    ) -> None:
        cases = [_case(b, *levels[i]) for i, b in enumerate(businesses)]
        ind = cohort_indicators(cases, as_of=AS_OF, rubrics=RUBRICS)
        total = len(cases)
        for key in ("by_district", "by_sector", "by_size_class"):
            assert sum(ind["businesses"][key].values()) == total
        if cases:
            sample = ind["levels"][SAMPLE_RUBRIC.id]
            assert sum(sample["baseline"].values()) == total
            assert sum(sample["latest"].values()) == total
            both = sum(1 for a, b in levels[:total] if a and b)
            assert sum(sample["moved"].values()) == both
        assert json.loads(json.dumps(ind)) == ind


class TestHtml:
    """One self-contained page, charts drawn by matplotlib, in either language."""

    def test_self_contained(self, three_cases: list[CohortCase]) -> None:
        html = render_html(cohort_indicators(three_cases, as_of=AS_OF, rubrics=RUBRICS), lang="en")
        assert html.startswith("<!DOCTYPE html>")
        assert html.count("<svg") >= 4
        assert "<script" not in html
        assert 'src="http' not in html
        assert "<link" not in html
        assert NIK not in html

    def test_languages(self, three_cases: list[CohortCase]) -> None:
        ind = cohort_indicators(three_cases, as_of=AS_OF, rubrics=RUBRICS)
        english = render_html(ind, lang="en")
        indonesian = render_html(ind, lang="id")
        assert '<html lang="en">' in english
        assert "Businesses by district" in english
        assert '<html lang="id">' in indonesian
        assert "Usaha per kecamatan" in indonesian
        # Rubric level labels come from the declaration, in the report's language.
        assert "Pemula" in indonesian
        assert "Beginner" in english

    def test_same_data_same_page(self, three_cases: list[CohortCase]) -> None:
        ind = cohort_indicators(three_cases, as_of=AS_OF, rubrics=RUBRICS)
        assert render_html(ind) == render_html(ind)

    def test_escapes_text(self, three_cases: list[CohortCase]) -> None:
        odd = attrs.evolve(three_cases[0].business, district="<b>Setu</b>")
        cases = [attrs.evolve(three_cases[0], business=odd)]
        html = render_html(cohort_indicators(cases, as_of=AS_OF), lang="en")
        assert "<b>Setu</b>" not in html

    @staticmethod
    def _mentored(count: int) -> tuple[list[CohortCase], list[Mentor]]:
        """``count`` mentors, mentor i with i % 7 cases (M-005 and M-012 have the most, 6)."""
        mentors = [
            Mentor(id=f"M-{i:03}", name=f"Mentor {i}", kind=MentorKind.PRACTITIONER, capacity=5)
            for i in range(count)
        ]
        cases = [
            _case(
                _business(f"B-{i:03}-{k}", "Setu", Sector.CRAFT), "beginner", None, mentor_id=m.id
            )
            for i, m in enumerate(mentors)
            for k in range(i % 7)
        ]
        return cases, mentors

    def test_few_mentors_one_column_each(self) -> None:
        cases, mentors = self._mentored(_MENTOR_COLUMNS)
        html = render_html(cohort_indicators(cases, as_of=AS_OF, mentors=mentors), lang="en")
        section = html[html.index("Mentor caseloads") :]
        section = section[: section.index("</section>")]
        assert all(m.id in section for m in mentors)
        assert "cases per mentor" not in section

    @pytest.mark.parametrize(
        ("lang", "note", "axis"),
        [
            ("en", "mentors: each column", "cases per mentor"),
            ("id", "setiap kolom", "kasus per pendamping"),
        ],
    )
    def test_many_mentors_caseload_bands_and_the_busiest(
        self, lang: str, note: str, axis: str
    ) -> None:
        cases, mentors = self._mentored(_MENTOR_COLUMNS + 1)
        ind = cohort_indicators(cases, as_of=AS_OF, mentors=mentors)
        html = render_html(ind, lang=lang)
        section = html[
            html.index("Beban kasus pendamping" if lang == "id" else "Mentor caseloads") :
        ]
        section = section[: section.index("</section>")]
        assert note in section
        assert axis in section  # the chart counts mentors per caseload band
        # The busiest (at most ten) are listed, most cases first; the idle ones are not named.
        busiest = [m.id for m in mentors if mentors.index(m) % 7 == 6][:10]
        assert busiest == ["M-006", "M-013", "M-020", "M-027", "M-034"]
        table = section[section.index("<table>") :]
        order = [table.index(ident) for ident in busiest]
        assert order == sorted(order)
        quiet = [m.id for i, m in enumerate(mentors) if i % 7 == 0]
        assert not any(ident in section for ident in quiet)
        # Every mentor is still in the data.
        assert len(ind["mentors"]["caseloads"]) == len(mentors)

    def test_many_mentors_without_cases_name_nobody(self) -> None:
        mentors = [
            Mentor(id=f"M-{i:03}", name=f"Mentor {i}", kind=MentorKind.ACADEMIC)
            for i in range(_MENTOR_COLUMNS + 1)
        ]
        ind = cohort_indicators([], as_of=AS_OF, mentors=mentors)
        html = render_html(ind, lang="en")
        section = html[html.index("Mentor caseloads") :]
        section = section[: section.index("</section>")]
        assert "mentors: each column" in section
        assert "M-000" not in section  # before mentors are matched nobody is the busiest
        assert section.count("<table>") == 1  # the totals only

    @given(st.lists(st.integers(min_value=0, max_value=500), max_size=60), st.integers(1, 30))
    def test_caseload_bands(self, loads: list[int], most: int) -> None:
        bands = _caseload_bands(loads, most)
        if not loads:
            assert bands == []
            return
        assert 1 <= len(bands) <= most
        assert sum(n for _low, _high, n in bands) == len(loads)
        assert bands[0][0] == 0
        assert bands[-1][0] <= max(loads) <= bands[-1][1]
        widths = {high - low + 1 for low, high, _n in bands}
        assert len(widths) == 1
        if max(loads) < most:
            assert widths == {1}
        for (_l1, high, _n1), (low, _h2, _n2) in itertools.pairwise(bands):
            assert low == high + 1
        for low, high, n in bands:
            assert n == sum(1 for load in loads if low <= load <= high)

    def test_refuses_other_data(self) -> None:
        from mentorkit import MentorkitError

        with pytest.raises(MentorkitError, match="schema"):
            render_html({"businesses": {}})


_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_CHROMIUM is None, reason="chromium is not installed")
class TestRendersInChromium:
    """The report renders in headless Chromium: a screenshot that is not blank."""

    def test_screenshot(self, tmp_path: Path, three_cases: list[CohortCase]) -> None:
        import matplotlib.image

        html, _ = write_report(
            cohort_indicators(three_cases, as_of=AS_OF, rubrics=RUBRICS), tmp_path, lang="id"
        )
        shot = tmp_path / "shot.png"
        assert _CHROMIUM is not None
        subprocess.run(
            [
                _CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--window-size=1000,2000",
                f"--screenshot={shot}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        pixels = matplotlib.image.imread(shot)
        assert pixels.shape[0] == 2000
        assert pixels.shape[1] == 1000
        # Not a blank page: the header band and the charts give many distinct colours.
        assert pixels.std() > 0.05
        assert len({tuple(p) for p in pixels[::20, ::20].reshape(-1, pixels.shape[2])}) > 20
