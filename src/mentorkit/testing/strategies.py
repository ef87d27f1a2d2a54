"""Hypothesis strategies for every mentorkit model.

Every strategy yields *valid* objects (they pass the models' validators);
money amounts lean towards the legal size-class boundaries, where bugs hide.
Use them in your own plugin's tests::

    from hypothesis import given
    from mentorkit.testing import strategies as mks

    @given(mks.businesses())
    def test_my_rule_is_total(business): ...

Requires the ``testing`` extra (hypothesis).
"""

import datetime as dt
import string
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from .._declarations import AnswerKind, Criterion, Rubric
from .._model import (
    Answer,
    AnswerSource,
    Assessment,
    AssessmentStatus,
    Business,
    Cooperative,
    CooperativeMembership,
    CriterionResult,
    Gender,
    Licence,
    LicenceKind,
    Mentor,
    MentorKind,
    Milestone,
    MilestoneStatus,
    Observation,
    Person,
    Programme,
    ProgrammeKind,
    Reason,
    Receipt,
    Referral,
    SalesChannel,
    Sector,
    Session,
)
from .._sizeclass import SIZE_THRESHOLDS

__all__ = [
    "TANGSEL_DISTRICTS",
    "answers_for",
    "assessments",
    "better_answer",
    "businesses",
    "cooperatives",
    "criterion_results",
    "dates",
    "hashes",
    "identifiers",
    "licences",
    "memberships",
    "mentors",
    "milestones",
    "money",
    "names",
    "niks",
    "observations",
    "observations_for",
    "persons",
    "phones",
    "programmes",
    "reasons",
    "receipts",
    "referrals",
    "sessions",
]

#: The seven kecamatan of Tangerang Selatan.
TANGSEL_DISTRICTS = (
    "Ciputat",
    "Ciputat Timur",
    "Pamulang",
    "Pondok Aren",
    "Serpong",
    "Serpong Utara",
    "Setu",
)

_NAME_ALPHABET = string.ascii_letters + " .'-" + "ÉéÑñ"


def identifiers(prefix: str = "") -> st.SearchStrategy[str]:
    """Record ids such as ``B-0k3x`` (lower-case letters, digits, '-')."""
    return st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,4})?", fullmatch=True).map(
        lambda s: prefix + s
    )


def names() -> st.SearchStrategy[str]:
    """Non-blank human or business names, including non-ASCII and quote characters."""
    return st.text(_NAME_ALPHABET, min_size=1, max_size=30).filter(lambda s: s.strip() != "")


def dates(
    min_value: dt.date = dt.date(2005, 1, 1), max_value: dt.date = dt.date(2030, 12, 31)
) -> st.SearchStrategy[dt.date]:
    """Calendar dates in the range the programme cares about."""
    return st.dates(min_value=min_value, max_value=max_value)


def niks() -> st.SearchStrategy[str]:
    """Synthetic 16-digit NIKs (national ID numbers)."""
    return st.from_regex(r"[1-9][0-9]{15}", fullmatch=True)


def phones() -> st.SearchStrategy[str]:
    """Indonesian-style phone numbers, with or without '+62'."""
    return st.one_of(
        st.from_regex(r"08[0-9]{8,11}", fullmatch=True),
        st.from_regex(r"\+628[0-9]{8,11}", fullmatch=True),
    )


def _boundaries() -> list[int]:
    values: set[int] = set()
    for table in SIZE_THRESHOLDS:
        for bound in (*table.capital_max, *table.sales_max):
            values.update({bound - 1, bound, bound + 1})
    return sorted(values)


def money(max_value: int = 100_000_000_000) -> st.SearchStrategy[int]:
    """Whole rupiah amounts, often exactly at a size-class boundary or one off it."""
    return st.one_of(
        st.integers(min_value=0, max_value=max_value),
        st.sampled_from([v for v in _boundaries() if v <= max_value]),
    )


def persons() -> st.SearchStrategy[Person]:
    """Business owners, with or without NIK and phone."""
    return st.builds(
        Person,
        name=names(),
        nik=st.none() | niks(),
        phone=st.none() | phones(),
        gender=st.none() | st.sampled_from(Gender),
    )


@st.composite
def licences(draw: st.DrawFn, kind: LicenceKind | None = None) -> Licence:
    """Licences with consistent issue and expiry dates."""
    issued = draw(st.none() | dates())
    expires = draw(st.none() | dates(min_value=issued or dt.date(2005, 1, 1)))
    return Licence(
        kind=kind or draw(st.sampled_from(LicenceKind)),
        number=draw(st.from_regex(r"[0-9A-Z]{4,15}", fullmatch=True)),
        issued=issued,
        expires=expires,
    )


def _unique_tuple(elements: st.SearchStrategy[Any], max_size: int = 4) -> st.SearchStrategy[Any]:
    return st.lists(elements, unique=True, max_size=max_size).map(tuple)


def businesses(
    *,
    ids: st.SearchStrategy[str] | None = None,
    sectors: Sequence[Sector] | None = None,
    districts: Sequence[str] = TANGSEL_DISTRICTS,
) -> st.SearchStrategy[Business]:
    """Businesses (UMKM) with owners, licences, money near the size boundaries."""
    return st.builds(
        Business,
        id=ids if ids is not None else identifiers("b-"),
        name=names(),
        owner=persons(),
        sector=st.sampled_from(sectors or list(Sector)),
        district=st.sampled_from(districts),
        address=st.none() | names(),
        founded=st.none() | dates(max_value=dt.date(2026, 12, 31)),
        employees=st.integers(min_value=0, max_value=300),
        capital=st.none() | money(),
        annual_sales=st.none() | money(),
        financing_need=st.none() | money(max_value=1_000_000_000),
        nib=st.none() | st.from_regex(r"[0-9]{13}", fullmatch=True),
        licences=st.lists(licences(), max_size=4).map(tuple),
        cooperative=st.none()
        | st.builds(
            CooperativeMembership, cooperative_id=identifiers("k-"), joined=st.none() | dates()
        ),
        sales_channels=_unique_tuple(st.sampled_from(SalesChannel)),
    )


def memberships() -> st.SearchStrategy[CooperativeMembership]:
    """Cooperative memberships."""
    return st.builds(
        CooperativeMembership, cooperative_id=identifiers("k-"), joined=st.none() | dates()
    )


def cooperatives(districts: Sequence[str] = TANGSEL_DISTRICTS) -> st.SearchStrategy[Cooperative]:
    """Cooperatives (koperasi) in the given districts."""
    return st.builds(
        Cooperative,
        id=identifiers("k-"),
        name=names(),
        district=st.sampled_from(districts),
        sectors=_unique_tuple(st.sampled_from(Sector)),
        savings_and_loan=st.booleans(),
    )


def mentors(districts: Sequence[str] = TANGSEL_DISTRICTS) -> st.SearchStrategy[Mentor]:
    """Mentors: practitioners and academics with expertise tags and capacity."""
    return st.builds(
        Mentor,
        id=identifiers("m-"),
        name=names(),
        kind=st.sampled_from(MentorKind),
        affiliation=st.none() | names(),
        expertise=_unique_tuple(
            st.sampled_from(["accounting", "marketing", "licensing", "production", "finance"])
        ),
        districts=_unique_tuple(st.sampled_from(districts), max_size=3),
        capacity=st.integers(min_value=1, max_value=30),
        phone=st.none() | phones(),
    )


@st.composite
def programmes(draw: st.DrawFn) -> Programme:
    """Programmes and waves with consistent start and end dates."""
    starts = draw(dates())
    return Programme(
        id=draw(identifiers("p-")),
        name=draw(names()),
        kind=draw(st.sampled_from(ProgrammeKind)),
        starts=starts,
        ends=draw(st.none() | dates(min_value=starts)),
        capacity=draw(st.none() | st.integers(min_value=1, max_value=1000)),
        wave=draw(st.none() | st.integers(min_value=1, max_value=10)),
        districts=draw(_unique_tuple(st.sampled_from(TANGSEL_DISTRICTS), max_size=3)),
    )


@st.composite
def milestones(draw: st.DrawFn) -> Milestone:
    """Business-plan milestones whose status and completion date agree."""
    status = draw(st.sampled_from(MilestoneStatus))
    return Milestone(
        id=draw(identifiers("ms-")),
        title=draw(names()),
        due=draw(dates()),
        status=status,
        evidence=draw(st.none() | names()),
        completed_on=draw(dates()) if status is MilestoneStatus.DONE else None,
        template=draw(st.none() | identifiers()),
        criterion=draw(st.none() | identifiers()),
    )


def sessions() -> st.SearchStrategy[Session]:
    """Logged mentoring sessions."""
    return st.builds(
        Session,
        id=identifiers("s-"),
        business_id=identifiers("b-"),
        mentor_id=identifiers("m-"),
        held_on=dates(),
        duration_minutes=st.integers(min_value=1, max_value=600),
        topics=st.lists(names(), max_size=3).map(tuple),
        notes=st.none() | names(),
        next_steps=st.none() | names(),
    )


def _any_answer() -> st.SearchStrategy[Answer]:
    return st.one_of(st.booleans(), st.integers(min_value=0, max_value=10), names())


def observations() -> st.SearchStrategy[Observation]:
    """Observations with any answer (not tied to a rubric)."""
    return st.builds(
        Observation,
        business_id=identifiers("b-"),
        rubric_id=identifiers(),
        criterion_id=identifiers(),
        value=_any_answer(),
        observed_on=dates(),
        evidence=st.none() | names(),
        observer=st.none() | identifiers("m-"),
    )


def answers_for(criterion: Criterion) -> st.SearchStrategy[Answer]:
    """Valid answers for ``criterion`` (bool, 0..scale_max, or a declared choice)."""
    if criterion.kind is AnswerKind.YES_NO:
        return st.booleans()
    if criterion.kind is AnswerKind.SCALE:
        return st.integers(min_value=0, max_value=criterion.scale_max or 1)
    return st.sampled_from([choice.value for choice in criterion.choices])


def better_answer(criterion: Criterion, answer: Answer) -> Answer | None:
    """An answer scoring strictly more than ``answer``, or None if it is the best.

    Used to check that improving one criterion never lowers a score.
    """
    if criterion.kind is AnswerKind.YES_NO:
        return True if answer is False else None
    if criterion.kind is AnswerKind.SCALE:
        top = criterion.scale_max or 1
        return answer + 1 if isinstance(answer, int) and answer < top else None
    scores = {choice.value: choice.score for choice in criterion.choices}
    current = scores.get(str(answer), 0.0)
    higher = sorted(
        (choice for choice in criterion.choices if choice.score > current), key=lambda c: c.score
    )
    return higher[0].value if higher else None


@st.composite
def observations_for(
    draw: st.DrawFn,
    rubric: Rubric,
    business_id: str,
    *,
    on: dt.date | None = None,
    complete: bool = True,
    derived: bool = False,
) -> list[Observation]:
    """Observations answering ``rubric``'s criteria for one business.

    With ``complete=True`` every criterion is answered; otherwise any subset.
    Criteria with a ``derive`` function are left to it (as in real use: the
    mentor is not asked again) unless ``derived=True``. Observation dates
    are on or before ``on`` when it is given.
    """
    result = []
    for criterion in rubric.criteria:
        if criterion.derive is not None and not derived:
            continue
        if not complete and not draw(st.booleans()):
            continue
        result.append(
            Observation(
                business_id=business_id,
                rubric_id=rubric.id,
                criterion_id=criterion.id,
                value=draw(answers_for(criterion)),
                observed_on=draw(dates(max_value=on) if on else dates()),
            )
        )
    return result


@st.composite
def criterion_results(draw: st.DrawFn) -> CriterionResult:
    """Trace lines of assessments, answered or not."""
    source = draw(st.sampled_from(AnswerSource))
    answered = source in (AnswerSource.OBSERVED, AnswerSource.DERIVED)
    score = draw(st.floats(min_value=0, max_value=1)) if answered else None
    return CriterionResult(
        criterion_id=draw(identifiers()),
        weight=draw(st.floats(min_value=0.1, max_value=10)),
        source=source,
        score=score,
        answer=draw(_any_answer()) if answered else None,
        met=bool(answered and draw(st.booleans())),
        note=draw(st.none() | names()),
    )


def hashes() -> st.SearchStrategy[str]:
    """Content hashes as receipts carry them (``sha256:`` and 64 hex digits)."""
    return st.from_regex(r"[0-9a-f]{64}", fullmatch=True).map(lambda h: "sha256:" + h)


def receipts() -> st.SearchStrategy[Receipt]:
    """Decision receipts (declaration, pack and input hashes, and the decision date)."""
    return st.builds(Receipt, declaration=hashes(), pack=hashes(), inputs=hashes(), on=dates())


@st.composite
def assessments(draw: st.DrawFn) -> Assessment:
    """Assessments, complete (with score and level) or incomplete (without)."""
    status = draw(st.sampled_from(AssessmentStatus))
    complete = status is AssessmentStatus.COMPLETE
    return Assessment(
        business_id=draw(identifiers("b-")),
        rubric_id=draw(identifiers()),
        rubric_version=draw(st.from_regex(r"20[0-9]{2}\.[0-9]", fullmatch=True)),
        assessed_on=draw(dates()),
        status=status,
        score=draw(st.floats(min_value=0, max_value=100)) if complete else None,
        level=draw(identifiers()) if complete else None,
        criteria=tuple(draw(st.lists(criterion_results(), max_size=5))),
        missing=() if complete else tuple(draw(st.lists(identifiers(), min_size=1, max_size=3))),
        receipt=draw(st.none() | receipts()),
    )


def reasons() -> st.SearchStrategy[Reason]:
    """Reasons of referral decisions."""
    return st.builds(
        Reason,
        fact=identifiers("business."),
        op=st.sampled_from(["==", ">=", "<", "is true"]),
        expected=names(),
        actual=names(),
        held=st.booleans(),
    )


def referrals() -> st.SearchStrategy[Referral]:
    """Referral proposals with reasons and details."""
    return st.builds(
        Referral,
        business_id=identifiers("b-"),
        unit=identifiers(),
        rule_id=identifiers(),
        rule_version=st.from_regex(r"20[0-9]{2}\.[0-9]", fullmatch=True),
        proposed_on=dates(),
        reasons=st.lists(reasons(), max_size=4).map(tuple),
        details=st.lists(st.tuples(identifiers(), names()), max_size=3).map(tuple),
        receipt=st.none() | receipts(),
    )
