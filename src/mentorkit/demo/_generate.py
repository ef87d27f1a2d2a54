"""The synthetic Tangsel cohort generator (see :mod:`mentorkit.demo`)."""

import datetime as dt
import random
from collections.abc import Iterable, Mapping

from attrs import field, frozen

from .._declarations import AnswerKind, Criterion, Rubric
from .._model import (
    Answer,
    Business,
    Cooperative,
    CooperativeMembership,
    Gender,
    Licence,
    LicenceKind,
    Mentor,
    MentorKind,
    Observation,
    Person,
    Programme,
    ProgrammeKind,
    SalesChannel,
    Sector,
)

__all__ = [
    "DEFAULT_SEED",
    "DISTRICTS",
    "SECTORS",
    "DemoCohort",
    "generate_cohort",
    "observations_for",
]

#: The seed ``mentorkit demo`` uses unless told otherwise.
DEFAULT_SEED = 2026

#: Tangsel's seven districts (kecamatan) and their two-digit codes in the NIK.
DISTRICTS: Mapping[str, str] = {
    "Serpong": "01",
    "Serpong Utara": "02",
    "Ciputat": "03",
    "Ciputat Timur": "04",
    "Pamulang": "05",
    "Pondok Aren": "06",
    "Setu": "07",
}

#: The sectors of the creative-economy mentoring programme, with their weight in the cohort.
SECTORS: Mapping[Sector, int] = {
    Sector.CULINARY: 45,
    Sector.CRAFT: 20,
    Sector.FASHION: 15,
    Sector.SERVICES: 20,
}

# Rough share of each district in the cohort (Pondok Aren and Pamulang are the most populous).
_DISTRICT_WEIGHTS = {
    "Serpong": 13,
    "Serpong Utara": 11,
    "Ciputat": 16,
    "Ciputat Timur": 13,
    "Pamulang": 19,
    "Pondok Aren": 20,
    "Setu": 8,
}

_FEMALE = (
    "Siti",
    "Sri",
    "Dewi",
    "Rina",
    "Nur",
    "Yuni",
    "Ratna",
    "Lestari",
    "Wulan",
    "Fitri",
    "Intan",
    "Ayu",
    "Maya",
    "Nining",
    "Euis",
    "Aisyah",
    "Kartika",
    "Rahma",
)
_MALE = (
    "Budi",
    "Agus",
    "Dedi",
    "Rudi",
    "Hendra",
    "Joko",
    "Asep",
    "Bambang",
    "Eko",
    "Fajar",
    "Iwan",
    "Ahmad",
    "Rizky",
    "Yusuf",
    "Dimas",
    "Taufik",
    "Ujang",
    "Hadi",
)
_FAMILY = (
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Kurniawan",
    "Setiawan",
    "Rahayu",
    "Pratama",
    "Nugroho",
    "Permana",
    "Susanti",
    "Maulana",
    "Hasanah",
    "Sulaeman",
    "Gunawan",
    "Lubis",
    "Siregar",
    "Handayani",
)

_NAME_PARTS: Mapping[Sector, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Sector.CULINARY: (
        ("Warung", "Dapur", "Kedai", "Rumah Makan", "Katering", "Kue", "Sambal", "Keripik"),
        ("Bu {first}", "Mak {first}", "Berkah", "Sedap", "Nusantara", "Barokah", "Lezat", "Sari"),
    ),
    Sector.CRAFT: (
        ("Kerajinan", "Anyaman", "Batik", "Rajut", "Keramik", "Ukiran", "Souvenir"),
        ("Bambu {district}", "Kreasi {first}", "Tangsel", "Mandiri", "Lestari", "Indah"),
    ),
    Sector.FASHION: (
        ("Konveksi", "Butik", "Jahit", "Hijab", "Sepatu", "Tas"),
        ("{first}", "Cantik", "Modis", "Syar'i", "Elegan", "Kita"),
    ),
    Sector.SERVICES: (
        ("Laundry", "Bengkel", "Salon", "Percetakan", "Servis HP", "Fotokopi", "Jasa Desain"),
        ("{first}", "Kilat", "Bersih", "Jaya", "Prima", "Cepat"),
    ),
}

_UNIVERSITIES = (
    "UIN Syarif Hidayatullah Jakarta",
    "Universitas Pamulang",
    "Universitas Muhammadiyah Jakarta",
    "Institut Teknologi Indonesia",
    "Universitas Terbuka",
    "Universitas Prasetiya Mulya",
    "Swiss German University",
)
_PRACTICES = (
    "konsultan pajak",
    "pengusaha kuliner",
    "pelaku usaha kriya",
    "desainer busana",
    "pendamping halal",
    "praktisi pemasaran digital",
    "akuntan publik",
)
_EXPERTISE = (
    "accounting",
    "finance",
    "marketing",
    "digital",
    "licensing",
    "product_standards",
    "halal",
    "production",
)
_COOP_NAMES = ("Koperasi Serba Usaha {d} Makmur", "KSP {d} Sejahtera", "Koperasi UMKM {d} Mandiri")

_BASELINE = dt.date(2026, 2, 2)
_FOLLOW_UP = dt.date(2026, 8, 3)


@frozen
class DemoCohort:
    """A synthetic cohort (see :func:`generate_cohort`).

    ``diligence`` maps each business id to a number in [0, 1] that stories
    use to decide how much of its business plan it carries out; ``rng``
    gives further reproducible randomness per purpose and key.
    """

    seed: int
    programme: Programme
    businesses: tuple[Business, ...]
    mentors: tuple[Mentor, ...]
    cooperatives: tuple[Cooperative, ...]
    baseline_on: dt.date
    follow_up_on: dt.date
    capability: Mapping[str, float] = field(repr=False)
    growth: Mapping[str, float] = field(repr=False)
    diligence: Mapping[str, float] = field(repr=False)

    def rng(self, purpose: str, key: str = "") -> random.Random:
        """A :class:`random.Random` fixed by this cohort's seed, ``purpose`` and ``key``."""
        return random.Random(f"{self.seed}:{purpose}:{key}")


def _weighted(rng: random.Random, weights: Mapping[str, int] | Mapping[Sector, int]) -> object:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]  # type: ignore[index]  # keys come from the mapping


def _synthetic_nik(district_code: str, serial: int) -> str:
    """A synthetic 16-digit NIK for a Tangsel (3674) resident of a district.

    The serial fills the ten digits after the region code (where a real
    NIK has the date of birth, DDMMYY, and a serial), so serials below
    10,000 give the same NIKs as before and any serial below 10**8 gives a
    distinct one whose birth day is ``00``: no real NIK has that, so a
    synthetic NIK can never be a real person's.
    """
    if not 0 <= serial < 10**8:
        raise ValueError(f"synthetic NIK serial out of range: {serial}")
    return f"3674{district_code}{serial:010d}"


def _person(rng: random.Random, district_code: str, serial: int) -> Person:
    gender = Gender.FEMALE if rng.random() < 0.62 else Gender.MALE
    first = rng.choice(_FEMALE if gender is Gender.FEMALE else _MALE)
    name = f"{first} {rng.choice(_FAMILY)}"
    nik = _synthetic_nik(district_code, serial)
    phone = "0800" + "".join(rng.choice("0123456789") for _ in range(8))
    return Person(name=name, nik=nik, phone=phone, gender=gender)


def _money(rng: random.Random, median: float, spread: float) -> int:
    """A log-normal amount of whole rupiah, rounded to thousands."""
    return int(round(rng.lognormvariate(0, spread) * median, -3))


def _business(
    rng: random.Random, index: int, cooperatives: Mapping[str, list[Cooperative]]
) -> Business:
    district = str(_weighted(rng, _DISTRICT_WEIGHTS))
    sector = Sector(str(_weighted(rng, SECTORS)))
    owner = _person(rng, DISTRICTS[district], index)
    heads, tails = _NAME_PARTS[sector]
    first = owner.name.split()[0]
    name = f"{rng.choice(heads)} {rng.choice(tails)}".format(first=first, district=district)
    founded = _BASELINE - dt.timedelta(days=rng.randint(90, 15 * 365))
    roll = rng.random()
    # Mostly micro, some small, a few medium (PP 7/2021 thresholds).
    if roll < 0.86:
        sales = _money(rng, 180_000_000, 0.9)
        sales = min(sales, 1_900_000_000)
        capital = min(_money(rng, 60_000_000, 0.8), 900_000_000)
    elif roll < 0.97:
        sales = rng.randint(2_100_000_000, 14_000_000_000) // 1000 * 1000
        capital = rng.randint(1_100_000_000, 4_800_000_000) // 1000 * 1000
    else:
        sales = rng.randint(15_500_000_000, 45_000_000_000) // 1000 * 1000
        capital = rng.randint(5_200_000_000, 9_500_000_000) // 1000 * 1000
    known_sales = sales if rng.random() < 0.93 else None
    known_capital = capital if rng.random() < 0.9 else None
    nib = f"{rng.randint(10**12, 10**13 - 1)}" if rng.random() < 0.55 else None
    licences: list[Licence] = []
    if sector is Sector.CULINARY and rng.random() < 0.35:
        issued = founded + dt.timedelta(days=rng.randint(30, 400))
        licences.append(
            Licence(
                kind=LicenceKind.SPP_IRT,
                number=f"{rng.randint(10**14, 10**15 - 1)}",
                issued=issued,
                expires=issued + dt.timedelta(days=5 * 365),
            )
        )
    if sector is Sector.CULINARY and rng.random() < 0.25:
        licences.append(Licence(kind=LicenceKind.HALAL, number=f"ID36{rng.randint(10**9, 10**10)}"))
    if rng.random() < 0.08:
        licences.append(
            Licence(kind=LicenceKind.TRADEMARK, number=f"IDM{rng.randint(10**8, 10**9)}")
        )
    membership = None
    if rng.random() < 0.14:
        coop = rng.choice(cooperatives[district])
        membership = CooperativeMembership(
            cooperative_id=coop.id, joined=founded + dt.timedelta(days=rng.randint(30, 900))
        )
    channels = rng.sample(
        [
            SalesChannel.SHOP,
            SalesChannel.SOCIAL_MEDIA,
            SalesChannel.MARKETPLACE,
            SalesChannel.RESELLER,
        ],
        k=rng.randint(1, 3),
    )
    if membership is not None and rng.random() < 0.4:
        channels.append(SalesChannel.GALLERY)
    need = _money(rng, 25_000_000, 1.0) if rng.random() < 0.55 else None
    return Business(
        id=f"TSL-{index:04d}",
        name=name,
        owner=owner,
        sector=sector,
        district=district,
        address=f"Jl. {rng.choice(_FAMILY)} No. {rng.randint(1, 120)}, {district}",
        founded=min(founded, _BASELINE),
        employees=min(int(rng.expovariate(0.3)), 40) if roll < 0.86 else rng.randint(8, 60),
        capital=known_capital,
        annual_sales=known_sales,
        financing_need=need,
        nib=nib,
        licences=tuple(licences),
        cooperative=membership,
        sales_channels=tuple(channels),
    )


def _mentor(rng: random.Random, index: int) -> Mentor:
    academic = index % 8 in (1, 4, 6)  # 15 of 40: about three in eight
    gender_pool = _FEMALE if rng.random() < 0.5 else _MALE
    name = f"{rng.choice(gender_pool)} {rng.choice(_FAMILY)}"
    if academic:
        name = f"Dr. {name}"
    districts = rng.sample(list(DISTRICTS), k=rng.randint(2, 4))
    return Mentor(
        id=f"MNT-{index:03d}",
        name=name,
        kind=MentorKind.ACADEMIC if academic else MentorKind.PRACTITIONER,
        affiliation=rng.choice(_UNIVERSITIES) if academic else rng.choice(_PRACTICES),
        expertise=tuple(rng.sample(_EXPERTISE, k=rng.randint(2, 4))),
        districts=tuple(districts),
        capacity=rng.randint(10, 14),
        phone="0800" + "".join(rng.choice("0123456789") for _ in range(8)),
    )


def generate_cohort(
    seed: int = DEFAULT_SEED, *, businesses: int = 400, mentors: int = 40
) -> DemoCohort:
    """A synthetic Tangsel cohort, the same for the same arguments.

    Businesses are ``TSL-0001``..., mentors ``MNT-001``..., cooperatives
    ``KOP-<district code>-<n>``. Most businesses are micro, some small, a
    few medium; some facts are left unknown, as in real registers.
    """
    rng = random.Random(seed)
    coops: dict[str, list[Cooperative]] = {}
    for district, code in DISTRICTS.items():
        coops[district] = [
            Cooperative(
                id=f"KOP-{code}-{n + 1}",
                name=template.format(d=district),
                district=district,
                sectors=tuple(rng.sample(list(SECTORS), k=2)),
                savings_and_loan=template.startswith("KSP"),
            )
            for n, template in enumerate(_COOP_NAMES)
        ]
    people = tuple(_business(rng, i + 1, coops) for i in range(businesses))
    guides = tuple(_mentor(rng, i + 1) for i in range(mentors))
    capability = {b.id: min(max(rng.betavariate(2.2, 2.8), 0.02), 0.98) for b in people}
    growth = {b.id: max(rng.gauss(0.12, 0.1), -0.05) for b in people}
    diligence = {b.id: rng.betavariate(3, 2) for b in people}
    programme = Programme(
        id="tangsel-2026-pendampingan",
        name="Pendampingan UMKM Ekonomi Kreatif Tangsel 2026",
        kind=ProgrammeKind.MENTORING,
        starts=_BASELINE,
        ends=dt.date(2026, 11, 30),
        capacity=max(businesses, 1),
        wave=2,
        districts=tuple(DISTRICTS),
    )
    return DemoCohort(
        seed=seed,
        programme=programme,
        businesses=people,
        mentors=guides,
        cooperatives=tuple(c for group in coops.values() for c in group),
        baseline_on=_BASELINE,
        follow_up_on=_FOLLOW_UP,
        capability=capability,
        growth=growth,
        diligence=diligence,
    )


def _answer(rng: random.Random, criterion: Criterion, ability: float) -> Answer | None:
    if criterion.kind is AnswerKind.YES_NO:
        return rng.random() < ability
    if criterion.kind is AnswerKind.SCALE:
        top = criterion.scale_max or 1
        return max(0, min(top, round(rng.gauss(ability * top, 0.6))))
    if not criterion.choices:
        return None
    # The choice whose score is nearest a noisy ability.
    target = rng.gauss(ability, 0.15)
    return min(criterion.choices, key=lambda c: abs(c.score - target)).value


def _derived(criterion: Criterion, business: Business, day: dt.date) -> Answer | None:
    if criterion.derive is None:
        return None
    try:
        return criterion.derive(business, day)
    except Exception:  # a broken plugin derivation: the engine reports it
        return None


def observations_for(
    cohort: DemoCohort, rubrics: Iterable[Rubric], *, follow_up: bool = True
) -> tuple[Observation, ...]:
    """Baseline (and follow-up) observations of ``cohort`` for ``rubrics``.

    Criteria a rubric derives from the business record are not observed
    (only those whose derivation cannot tell, returning None).
    A rubric whose ``applies_to`` rejects a business (or raises) is skipped
    for it. About one business in thirty misses one baseline answer, so the
    report shows incomplete assessments too.
    """
    rubrics = tuple(rubrics)
    out: list[Observation] = []
    for business in cohort.businesses:
        rng = cohort.rng("observations", business.id)
        ability = cohort.capability[business.id]
        skip_one = rng.random() < 1 / 30
        for rubric in rubrics:
            try:
                if rubric.applies_to is not None and not rubric.applies_to(business):
                    continue
            except Exception:  # a broken plugin predicate: the engine reports it
                continue
            for wave, day, level in (
                ("baseline", cohort.baseline_on, ability),
                ("follow-up", cohort.follow_up_on, ability + cohort.growth[business.id]),
            ):
                if wave == "follow-up" and not follow_up:
                    continue
                observed = [c for c in rubric.criteria if _derived(c, business, day) is None]
                for position, criterion in enumerate(observed):
                    if wave == "baseline" and skip_one and position == 0:
                        continue
                    value = _answer(rng, criterion, min(max(level, 0.0), 1.0))
                    if value is None:
                        continue
                    out.append(
                        Observation(
                            business_id=business.id,
                            rubric_id=rubric.id,
                            criterion_id=criterion.id,
                            value=value,
                            observed_on=day,
                            observer=None,
                        )
                    )
    return tuple(out)
