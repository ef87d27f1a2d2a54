"""mentorkit-product-standards: a product standardization rubric for UMKM.

The rubric (id ``product_standards``) checks what a product needs before it
can be sold beyond the neighbourhood: a NIB; SPP-IRT (P-IRT) or BPOM MD
registration as the food's risk requires; halal certification (with the
dated deadlines of :mod:`mentorkit.legal`); a complete label; suitable
packaging; consistent quality (a followed SOP); a known shelf life; SNI where
it is mandatory; and a registered trademark. Levels: basic (dasar),
developing (berkembang), market-ready (siap pasar).

Facts already on the Business are derived, not asked again: licences held on
the assessment date (NIB, SPP-IRT, BPOM MD, halal, SNI, trademark) and
criteria that do not apply to non-food products (crafts, fashion). A
mentor's observation always wins over a derivation. "Not applicable" answers
count as met, and the trace shows them as derived.

The rubric applies to businesses that make products (culinary, crafts,
fashion, agribusiness, other), not to pure trade or services.
"""

import datetime as dt

from attrs import frozen

from mentorkit import (
    Answer,
    AnswerKind,
    Business,
    Choice,
    Criterion,
    Label,
    Level,
    LicenceKind,
    MilestoneTemplate,
    Rubric,
    Sector,
    hookimpl,
    size_class,
)
from mentorkit.legal import HALAL_DEADLINES, in_force, self_declare_eligible

__all__ = [
    "FOOD_SECTORS",
    "LEVELS",
    "NON_FOOD_SECTORS",
    "RUBRIC",
    "RUBRIC_ID",
    "TEMPLATES",
    "HalalDuty",
    "applies_to",
    "derive_food_registration",
    "derive_halal",
    "derive_nib",
    "derive_shelf_life",
    "derive_sni",
    "derive_trademark",
    "halal_duty",
    "is_food",
    "register_milestone_templates",
    "register_rubrics",
]

__version__ = "2026.1.0"

#: The rubric's id, as rules read it (``assessment.product_standards.level``).
RUBRIC_ID = "product_standards"

#: Sectors whose products are food or drink (pangan olahan).
FOOD_SECTORS: frozenset[Sector] = frozenset({Sector.CULINARY})
#: Sectors whose products are not food: food-only criteria do not apply.
NON_FOOD_SECTORS: frozenset[Sector] = frozenset({Sector.CRAFT, Sector.FASHION})
#: Sectors without a product of their own: the rubric does not apply.
_NO_PRODUCT = frozenset({Sector.SERVICES, Sector.TRADE})

_LICENSING = "licensing"
_PRODUCTION = "production"
_MARKETING = "marketing"


def is_food(business: Business) -> bool | None:
    """True for food sectors, False for non-food ones, None when the mentor must say.

    Agribusiness and "other" may or may not sell processed food.
    """
    if business.sector in FOOD_SECTORS:
        return True
    if business.sector in NON_FOOD_SECTORS:
        return False
    return None


def applies_to(business: Business) -> bool:
    """The rubric applies to businesses that make a product (not pure trade or services)."""
    return business.sector not in _NO_PRODUCT


def _holds(business: Business, kind: LicenceKind, on: dt.date) -> bool:
    return business.licence(kind, on) is not None


def derive_nib(business: Business, on: dt.date) -> Answer | None:
    """Met when a NIB is on record on ``on``; otherwise ask the mentor."""
    return True if _holds(business, LicenceKind.NIB, on) else None


def derive_food_registration(business: Business, on: dt.date) -> Answer | None:
    """``bpom_md`` or ``spp_irt`` when held; ``not_applicable`` for non-food products.

    An SPP-IRT on record is taken to cover the product (it is issued only
    for foods within its scope); a mentor who finds the product needs BPOM
    answers ``needs_bpom`` and that observation wins.
    """
    if _holds(business, LicenceKind.BPOM_MD, on):
        return "bpom_md"
    if _holds(business, LicenceKind.SPP_IRT, on):
        return "spp_irt"
    if is_food(business) is False:
        return "not_applicable"
    return None


def derive_halal(business: Business, on: dt.date) -> Answer | None:
    """``certified`` when a halal certificate is on record; ``not_applicable`` for non-food."""
    if _holds(business, LicenceKind.HALAL, on):
        return "certified"
    if is_food(business) is False:
        return "not_applicable"
    return None


def derive_shelf_life(business: Business, on: dt.date) -> Answer | None:
    """``not_applicable`` for non-food products; otherwise ask the mentor."""
    return "not_applicable" if is_food(business) is False else None


def derive_sni(business: Business, on: dt.date) -> Answer | None:
    """``certified`` when an SNI product certificate is on record; otherwise ask."""
    return "certified" if _holds(business, LicenceKind.SNI, on) else None


def derive_trademark(business: Business, on: dt.date) -> Answer | None:
    """``registered`` when a trademark registration is on record; otherwise ask."""
    return "registered" if _holds(business, LicenceKind.TRADEMARK, on) else None


@frozen
class HalalDuty:
    """Where a food business stands against the halal-certification duty on a day.

    ``mandatory_from`` is the first day certification is required for its
    size class (None when the size is unknown); ``mandatory`` whether that
    day has come; ``self_declare`` whether the free self-declare route is
    open (None when unknown); ``source`` cites the rule in force.
    """

    mandatory_from: dt.date | None
    mandatory: bool | None
    self_declare: bool | None
    source: str


def halal_duty(business: Business, on: dt.date) -> HalalDuty:
    """The halal duty of ``business`` under the rules in force on ``on`` (mentorkit.legal).

    Size is classed with :func:`mentorkit.size_class` on the same day. The
    deadlines cover food and beverages: for a non-food product the duty is
    reported as not (yet) mandatory.
    """
    entry = in_force(HALAL_DEADLINES, on)
    size = size_class(capital=business.capital, annual_sales=business.annual_sales, on=on)
    mandatory_from = None if entry is None or size is None else entry.value.for_size(size)
    mandatory = None if mandatory_from is None else on >= mandatory_from
    if is_food(business) is False:  # the food-and-beverage stage does not cover it
        mandatory_from, mandatory = None, False
    return HalalDuty(
        mandatory_from=mandatory_from,
        mandatory=mandatory,
        self_declare=self_declare_eligible(
            annual_sales=business.annual_sales,
            has_nib=_holds(business, LicenceKind.NIB, on),
            on=on,
        ),
        source="" if entry is None else entry.source,
    )


def _choice(value: str, score: float, en: str, id_: str) -> Choice:
    return Choice(value, score, Label(en=en, id=id_))


_NOT_APPLICABLE_EN = "Does not apply to this product"
_NOT_APPLICABLE_ID = "Tidak berlaku untuk produk ini"


def _template(
    slug: str, en: str, id_: str, days: int, expertise: str, desc_en: str, desc_id: str
) -> MilestoneTemplate:
    return MilestoneTemplate(
        id=f"product_standards.{slug}",
        title=Label(en=en, id=id_),
        due_in_days=days,
        expertise=expertise,
        description=Label(en=desc_en, id=desc_id),
    )


#: Business-plan milestones, one per criterion, recommended while it is unmet.
TEMPLATES: tuple[MilestoneTemplate, ...] = (
    _template(
        "nib",
        "Get a NIB through OSS",
        "Urus NIB melalui OSS",
        30,
        _LICENSING,
        "Register the business on OSS-RBA; for low-risk micro businesses the NIB is the licence.",
        "Daftarkan usaha di OSS-RBA; bagi usaha mikro risiko rendah NIB sekaligus izin usaha.",
    ),
    _template(
        "food-registration",
        "Register the food product: SPP-IRT, or BPOM MD when its risk requires",
        "Daftarkan produk pangan: SPP-IRT, atau BPOM MD bila risikonya mengharuskan",
        90,
        _LICENSING,
        "Food-safety course (PKP), facility inspection and a compliant label for SPP-IRT.",
        "Penyuluhan keamanan pangan (PKP), pemeriksaan sarana dan label sesuai untuk SPP-IRT.",
    ),
    _template(
        "halal",
        "Apply for halal certification (self-declare if eligible)",
        "Ajukan sertifikasi halal (self-declare bila memenuhi syarat)",
        90,
        _LICENSING,
        "Apply through SIHALAL; micro and small businesses with sales up to the self-declare "
        "limit and a NIB use the free route with a halal-process companion.",
        "Ajukan melalui SIHALAL; usaha mikro dan kecil dengan omzet di bawah batas self-declare "
        "dan ber-NIB memakai jalur gratis dengan pendamping PPH.",
    ),
    _template(
        "label",
        "Complete the product label",
        "Lengkapi label produk",
        30,
        _MARKETING,
        "Name, ingredients, net content, producer and address, expiry date, registration "
        "number and halal mark where held.",
        "Nama produk, komposisi, berat/isi bersih, nama dan alamat produsen, tanggal "
        "kedaluwarsa, nomor izin edar dan logo halal bila ada.",
    ),
    _template(
        "packaging",
        "Move to suitable, sealed packaging",
        "Gunakan kemasan yang layak dan tertutup rapat",
        45,
        _PRODUCTION,
        "Food-grade material for food; protects the product and carries the label.",
        "Bahan tara pangan untuk makanan; melindungi produk dan memuat label.",
    ),
    _template(
        "quality-sop",
        "Write and follow a production SOP with batch records",
        "Susun dan jalankan SOP produksi dengan catatan produksi",
        45,
        _PRODUCTION,
        "Fixed recipe or specification, written steps, hygiene (CPPB-IRT) and a check per batch.",
        "Resep atau spesifikasi baku, langkah tertulis, higiene (CPPB-IRT) dan cek tiap batch.",
    ),
    _template(
        "shelf-life",
        "Establish the product's shelf life",
        "Tetapkan masa simpan produk",
        60,
        _PRODUCTION,
        "A storage test or laboratory test, then print the expiry date on the label.",
        "Uji simpan atau uji laboratorium, lalu cantumkan tanggal kedaluwarsa di label.",
    ),
    _template(
        "sni",
        "Obtain the mandatory SNI certificate",
        "Peroleh sertifikat SNI wajib",
        120,
        _LICENSING,
        "Through an accredited certification body (LSPro); only for products under mandatory SNI.",
        "Melalui lembaga sertifikasi produk (LSPro); hanya untuk produk ber-SNI wajib.",
    ),
    _template(
        "trademark",
        "Register the brand as a trademark",
        "Daftarkan merek dagang",
        60,
        _LICENSING,
        "Search and file at DJKI; UMKM pay a reduced fee.",
        "Periksa dan ajukan ke DJKI; UMKM membayar tarif khusus.",
    ),
)

#: Levels, lowest first: basic from 0, developing from 50, market-ready from 80.
LEVELS: tuple[Level, ...] = (
    Level("basic", 0, Label(en="Basic", id="Dasar")),
    Level("developing", 50, Label(en="Developing", id="Berkembang")),
    Level("market_ready", 80, Label(en="Market-ready", id="Siap pasar")),
)

_FOOD_LAW = "UU 18/2012 (Pangan)"

#: The product standardization rubric. Weights sum to 100.
RUBRIC = Rubric(
    id=RUBRIC_ID,
    version="2026.1",
    label=Label(en="Product standards", id="Standardisasi produk"),
    source="PP 5/2021 (OSS-RBA); UU 18/2012 (Pangan); UU 33/2014 (Jaminan Produk Halal); "
    "UU 20/2014 (Standardisasi); UU 20/2016 (Merek)",
    applies_to=applies_to,
    criteria=(
        Criterion(
            id="nib",
            label=Label(en="Business identity number (NIB)", id="Nomor Induk Berusaha (NIB)"),
            weight=15,
            derive=derive_nib,
            expertise=_LICENSING,
            milestone="product_standards.nib",
            question=Label(en="Does the business hold a NIB?", id="Apakah usaha memiliki NIB?"),
            source="PP 5/2021 (risk-based licensing, OSS-RBA); reported replaced by "
            "PP 28/2025 (medium confidence)",
        ),
        Criterion(
            id="food_registration",
            label=Label(
                en="Food registration as the product's risk requires (SPP-IRT or BPOM MD)",
                id="Izin edar pangan sesuai risiko produk (SPP-IRT atau BPOM MD)",
            ),
            weight=15,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("none", 0.0, "No registration", "Belum ada izin edar"),
                _choice(
                    "needs_bpom",
                    0.2,
                    "Holds SPP-IRT but the product needs BPOM MD",
                    "Punya SPP-IRT tetapi produk wajib BPOM MD",
                ),
                _choice(
                    "in_progress",
                    0.4,
                    "Food-safety course done or application filed",
                    "Sudah PKP atau sedang mengajukan",
                ),
                _choice("spp_irt", 1.0, "SPP-IRT (P-IRT number)", "SPP-IRT (nomor P-IRT)"),
                _choice("bpom_md", 1.0, "BPOM MD registration", "Izin edar BPOM MD"),
                _choice("not_applicable", 1.0, _NOT_APPLICABLE_EN, _NOT_APPLICABLE_ID),
            ),
            derive=derive_food_registration,
            expertise=_LICENSING,
            milestone="product_standards.food-registration",
            question=Label(
                en="Which registration does the food product hold, and does it fit its risk?",
                id="Izin edar apa yang dimiliki produk pangan, dan sesuaikah dengan risikonya?",
            ),
            source=f"{_FOOD_LAW} Art. 91; Peraturan BPOM 22/2018 (SPP-IRT guidelines: "
            "foods outside SPP-IRT scope need BPOM MD)",
        ),
        Criterion(
            id="halal",
            label=Label(en="Halal certification", id="Sertifikasi halal"),
            weight=14,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("none", 0.0, "Not certified", "Belum bersertifikat"),
                _choice("in_process", 0.5, "Application in process", "Sedang diproses"),
                _choice("certified", 1.0, "Certified (BPJPH)", "Bersertifikat halal (BPJPH)"),
                _choice(
                    "non_halal_declared",
                    1.0,
                    "Made from non-halal materials and labelled so",
                    "Berbahan tidak halal dan diberi keterangan tidak halal",
                ),
                _choice("not_applicable", 1.0, _NOT_APPLICABLE_EN, _NOT_APPLICABLE_ID),
            ),
            derive=derive_halal,
            expertise=_LICENSING,
            milestone="product_standards.halal",
            question=Label(
                en="Is the product halal-certified?",
                id="Apakah produk sudah bersertifikat halal?",
            ),
            source="UU 33/2014 (Jaminan Produk Halal) Art. 4 and 26; deadlines PP 39/2021 "
            "as amended by PP 42/2024 (see mentorkit.legal.HALAL_DEADLINES)",
        ),
        Criterion(
            id="label",
            label=Label(en="Label contents", id="Kelengkapan label"),
            weight=14,
            kind=AnswerKind.SCALE,
            scale_max=6,
            expertise=_MARKETING,
            milestone="product_standards.label",
            question=Label(
                en="How many of these does the label show: product name; ingredients; net "
                "weight or volume; producer name and address; expiry date; registration "
                "number and halal mark where held (count one that does not apply as shown)?",
                id="Berapa yang tercantum di label: nama produk; komposisi; berat/isi bersih; "
                "nama dan alamat produsen; tanggal kedaluwarsa; nomor izin edar dan logo "
                "halal bila ada (yang tidak berlaku dihitung ada)?",
            ),
            source=f"{_FOOD_LAW} Art. 97; PP 69/1999 (Label dan Iklan Pangan); Peraturan "
            "BPOM 31/2018 (Label Pangan Olahan)",
        ),
        Criterion(
            id="packaging",
            label=Label(en="Packaging", id="Kemasan"),
            weight=10,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("unsuitable", 0.0, "Unsuitable or none", "Tidak layak atau tanpa kemasan"),
                _choice("basic", 0.5, "Clean but basic", "Bersih tetapi sederhana"),
                _choice(
                    "suitable",
                    1.0,
                    "Suitable (food-grade for food), sealed, carries the label",
                    "Layak (tara pangan untuk makanan), tertutup rapat, memuat label",
                ),
            ),
            expertise=_PRODUCTION,
            milestone="product_standards.packaging",
            question=Label(en="How is the product packed?", id="Bagaimana produk dikemas?"),
            source=f"{_FOOD_LAW} Art. 82-84 (food packaging)",
        ),
        Criterion(
            id="quality_sop",
            label=Label(en="Consistent quality (SOP)", id="Mutu konsisten (SOP)"),
            weight=10,
            kind=AnswerKind.SCALE,
            scale_max=3,
            met_at=2 / 3,
            expertise=_PRODUCTION,
            milestone="product_standards.quality-sop",
            question=Label(
                en="0 no fixed recipe; 1 fixed recipe or specification; 2 written SOP "
                "followed; 3 SOP with batch and quality-check records",
                id="0 tanpa resep baku; 1 resep atau spesifikasi baku; 2 SOP tertulis "
                "dijalankan; 3 SOP dengan catatan produksi dan cek mutu",
            ),
            source="CPPB-IRT (Peraturan Kepala BPOM HK.03.1.23.04.12.2206/2012, good "
            "production practice for home industries)",
        ),
        Criterion(
            id="shelf_life",
            label=Label(en="Shelf life established", id="Masa simpan ditetapkan"),
            weight=8,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("unknown", 0.0, "Not known", "Belum diketahui"),
                _choice("estimated", 0.5, "Estimated from experience", "Perkiraan dari pengalaman"),
                _choice("tested", 1.0, "Tested and printed", "Diuji dan dicantumkan"),
                _choice("not_applicable", 1.0, _NOT_APPLICABLE_EN, _NOT_APPLICABLE_ID),
            ),
            derive=derive_shelf_life,
            expertise=_PRODUCTION,
            milestone="product_standards.shelf-life",
            question=Label(
                en="How was the product's shelf life established?",
                id="Bagaimana masa simpan produk ditetapkan?",
            ),
            source="PP 69/1999 and Peraturan BPOM 31/2018: the expiry date is a mandatory "
            "label item",
        ),
        Criterion(
            id="sni",
            label=Label(en="SNI where mandatory", id="SNI bila wajib"),
            weight=6,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("required_missing", 0.0, "Mandatory, not held", "Wajib, belum dimiliki"),
                _choice("in_process", 0.5, "Certification in process", "Sedang disertifikasi"),
                _choice("certified", 1.0, "SNI certified", "Bersertifikat SNI"),
                _choice(
                    "not_required",
                    1.0,
                    "No mandatory SNI for this product",
                    "Produk tidak ber-SNI wajib",
                ),
            ),
            derive=derive_sni,
            expertise=_LICENSING,
            milestone="product_standards.sni",
            question=Label(
                en="Is an SNI mandatory for this product, and is it held?",
                id="Apakah produk ini wajib SNI, dan sudah dimiliki?",
            ),
            source="UU 20/2014 (Standardisasi dan Penilaian Kesesuaian): SNI is mandatory "
            "only where a ministerial regulation says so",
        ),
        Criterion(
            id="trademark",
            label=Label(en="Registered trademark", id="Merek terdaftar"),
            weight=8,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("none", 0.0, "Not registered", "Belum didaftarkan"),
                _choice("applied", 0.5, "Application filed", "Sudah diajukan"),
                _choice("registered", 1.0, "Registered at DJKI", "Terdaftar di DJKI"),
            ),
            derive=derive_trademark,
            expertise=_LICENSING,
            milestone="product_standards.trademark",
            question=Label(
                en="Is the brand registered as a trademark?",
                id="Apakah merek sudah didaftarkan?",
            ),
            source="UU 20/2016 (Merek dan Indikasi Geografis); registration at DJKI",
        ),
    ),
    levels=LEVELS,
)


@hookimpl
def register_rubrics() -> list[Rubric]:
    """Declare the ``product_standards`` rubric."""
    return [RUBRIC]


@hookimpl
def register_milestone_templates() -> list[MilestoneTemplate]:
    """Declare one milestone template per product-standards criterion."""
    return list(TEMPLATES)
