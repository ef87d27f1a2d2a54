"""mentorkit-accounting: a bookkeeping rubric for UMKM grounded in SAK EMKM.

SAK EMKM (Standar Akuntansi Keuangan Entitas Mikro, Kecil, dan Menengah) is
the accounting standard for micro, small and medium entities issued by IAI
(Ikatan Akuntan Indonesia) in 2016 and in force from 1 January 2018. Its
minimum statements are the statement of financial position, the income
statement and the notes; it uses historical cost and the accrual basis, and
treats the business as an entity separate from its owner.

The rubric (id ``accounting``) scores ten weighted criteria, from keeping
business money apart up to tax registration, and places the business at a
level: beginner (pemula), developing (berkembang) or established (mapan).
Every criterion recommends a business-plan milestone while it is unmet.

This plugin uses only mentorkit's public API. It is found through the entry
point ``accounting`` in group ``mentorkit``; in code::

    import mentorkit, mentorkit_accounting
    registry = mentorkit.Registry.load(plugins=[mentorkit_accounting], entry_points=False)
"""

import datetime as dt

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
    hookimpl,
)

__all__ = [
    "LEVELS",
    "RUBRIC",
    "RUBRIC_ID",
    "SAK_EMKM",
    "TEMPLATES",
    "derive_tax_registration",
    "register_milestone_templates",
    "register_rubrics",
]

__version__ = "2026.1.0"

#: The rubric's id, as rules read it (``assessment.accounting.level``).
RUBRIC_ID = "accounting"

#: Citation of the standard every criterion rests on.
SAK_EMKM = "SAK EMKM (IAI, 2016; in force 1 Jan 2018)"

_ACCOUNTING = "accounting"
_FINANCE = "finance"


def _template(
    slug: str, en: str, id_: str, days: int, expertise: str, desc_en: str, desc_id: str
) -> MilestoneTemplate:
    return MilestoneTemplate(
        id=f"accounting.{slug}",
        title=Label(en=en, id=id_),
        due_in_days=days,
        expertise=expertise,
        description=Label(en=desc_en, id=desc_id),
    )


#: Business-plan milestones, one per criterion, recommended while it is unmet.
TEMPLATES: tuple[MilestoneTemplate, ...] = (
    _template(
        "separate-money",
        "Keep business money apart: own cash box or bank account, fixed owner's draw",
        "Pisahkan uang usaha: kas atau rekening khusus usaha, prive pemilik tetap",
        30,
        _ACCOUNTING,
        "Open a business account (or a separate cash box) and pay the owner a fixed draw.",
        "Buka rekening usaha (atau kas terpisah) dan ambil prive pemilik dalam jumlah tetap.",
    ),
    _template(
        "daily-cash-book",
        "Write up a cash book every day",
        "Isi buku kas setiap hari",
        30,
        _ACCOUNTING,
        "Record every cash in and out on the day, with the running balance.",
        "Catat setiap kas masuk dan keluar pada hari itu, beserta saldonya.",
    ),
    _template(
        "sales-purchase-records",
        "Record every sale and purchase with its receipt",
        "Catat setiap penjualan dan pembelian beserta notanya",
        30,
        _ACCOUNTING,
        "Keep a sales book and a purchases book; file the receipts by date.",
        "Buat buku penjualan dan buku pembelian; simpan nota menurut tanggal.",
    ),
    _template(
        "stock-card",
        "Keep a stock card for each material and product",
        "Buat kartu stok untuk setiap bahan dan produk",
        45,
        _ACCOUNTING,
        "Record goods in and out and count stock at each month end.",
        "Catat barang masuk dan keluar, hitung fisik persediaan tiap akhir bulan.",
    ),
    _template(
        "receivables-payables",
        "List who owes the business and whom it owes, with due dates",
        "Buat daftar piutang dan utang beserta jatuh temponya",
        30,
        _ACCOUNTING,
        "One line per customer or supplier: amount, date, due date, paid.",
        "Satu baris per pelanggan atau pemasok: jumlah, tanggal, jatuh tempo, pelunasan.",
    ),
    _template(
        "monthly-profit-loss",
        "Close each month with a profit and loss statement",
        "Tutup setiap bulan dengan laporan laba rugi",
        60,
        _ACCOUNTING,
        "Revenue less cost of goods sold and expenses, on the accrual basis.",
        "Pendapatan dikurangi harga pokok penjualan dan beban, dengan dasar akrual.",
    ),
    _template(
        "financial-position",
        "Draw up a statement of financial position",
        "Susun laporan posisi keuangan (neraca)",
        90,
        _ACCOUNTING,
        "Assets, liabilities and equity of the business at a date, apart from the owner's.",
        "Aset, liabilitas dan ekuitas usaha pada suatu tanggal, terpisah dari milik pemilik.",
    ),
    _template(
        "notes",
        "Write the notes to the financial statements",
        "Tulis catatan atas laporan keuangan",
        90,
        _ACCOUNTING,
        "State that the statements follow SAK EMKM, the policies used and key details.",
        "Nyatakan laporan disusun sesuai SAK EMKM, kebijakan akuntansi dan rincian penting.",
    ),
    _template(
        "cost-pricing",
        "Compute the cost of goods (HPP) and set prices from it",
        "Hitung harga pokok produksi (HPP) dan tetapkan harga jual darinya",
        30,
        _FINANCE,
        "Materials, labour and overhead per unit; price = cost plus a chosen margin.",
        "Bahan, tenaga kerja dan overhead per unit; harga = HPP ditambah margin.",
    ),
    _template(
        "tax-registration",
        "Register for tax (NPWP) and learn the UMKM final income tax",
        "Daftar NPWP dan pahami PPh final UMKM",
        60,
        _ACCOUNTING,
        "Register at the tax office or online; record monthly turnover for the final tax.",
        "Daftar di KPP atau daring; catat omzet bulanan untuk PPh final.",
    ),
)


def derive_tax_registration(business: Business, on: dt.date) -> Answer | None:
    """Tax registration is met when the Business holds an NPWP valid on ``on``.

    Returns None otherwise: absence from the record is not proof of absence,
    so the mentor is asked.
    """
    return True if business.licence(LicenceKind.NPWP, on) is not None else None


def _choice(value: str, score: float, en: str, id_: str) -> Choice:
    return Choice(value, score, Label(en=en, id=id_))


#: Levels, lowest first: beginner from 0, developing from 40, established from 75.
LEVELS: tuple[Level, ...] = (
    Level("beginner", 0, Label(en="Beginner", id="Pemula")),
    Level("developing", 40, Label(en="Developing", id="Berkembang")),
    Level("established", 75, Label(en="Established", id="Mapan")),
)

#: The bookkeeping rubric. Weights sum to 100, so a weight is a share in percent.
RUBRIC = Rubric(
    id=RUBRIC_ID,
    version="2026.1",
    label=Label(en="Bookkeeping (SAK EMKM)", id="Pembukuan (SAK EMKM)"),
    source=SAK_EMKM,
    criteria=(
        Criterion(
            id="separate_money",
            label=Label(
                en="Business and personal money kept apart",
                id="Uang usaha dan uang pribadi dipisahkan",
            ),
            weight=14,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("mixed", 0.0, "Mixed with household money", "Bercampur dengan uang rumah"),
                _choice(
                    "separate_cash", 0.6, "Separate cash box or ledger", "Kas atau catatan terpisah"
                ),
                _choice(
                    "separate_account",
                    1.0,
                    "Separate business bank account",
                    "Rekening bank khusus usaha",
                ),
            ),
            met_at=0.6,
            expertise=_ACCOUNTING,
            milestone="accounting.separate-money",
            question=Label(
                en="Is the business's money kept apart from the household's?",
                id="Apakah uang usaha dipisahkan dari uang rumah tangga?",
            ),
            source=f"{SAK_EMKM}, pervasive concepts: the business entity is separate from "
            "its owner (entitas bisnis)",
        ),
        Criterion(
            id="daily_cash_records",
            label=Label(en="Daily cash records", id="Pencatatan kas harian"),
            weight=14,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("none", 0.0, "No cash records", "Tidak ada catatan kas"),
                _choice("irregular", 0.25, "Now and then", "Kadang-kadang"),
                _choice("weekly", 0.6, "Written up weekly", "Dicatat mingguan"),
                _choice("daily", 1.0, "Written up every day", "Dicatat setiap hari"),
            ),
            expertise=_ACCOUNTING,
            milestone="accounting.daily-cash-book",
            question=Label(
                en="How often is the cash book written up?",
                id="Seberapa sering buku kas diisi?",
            ),
            source=f"{SAK_EMKM}: statements are drawn from recorded transactions; "
            "UU 6/1983 (KUP) Art. 28: small taxpayers keep records (pencatatan)",
        ),
        Criterion(
            id="sales_purchase_records",
            label=Label(en="Sales and purchase records", id="Catatan penjualan dan pembelian"),
            weight=10,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("none", 0.0, "Neither is recorded", "Keduanya tidak dicatat"),
                _choice(
                    "one", 0.5, "Only sales or only purchases", "Hanya penjualan atau pembelian"
                ),
                _choice("both", 1.0, "Both, with receipts", "Keduanya, dengan nota"),
            ),
            expertise=_ACCOUNTING,
            milestone="accounting.sales-purchase-records",
            question=Label(
                en="Are sales and purchases recorded, with receipts?",
                id="Apakah penjualan dan pembelian dicatat, dengan nota?",
            ),
            source=f"{SAK_EMKM}, chapter on revenue (pendapatan) and the accrual basis",
        ),
        Criterion(
            id="stock_records",
            label=Label(en="Stock records", id="Catatan persediaan"),
            weight=8,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("none", 0.0, "No stock records", "Tidak ada catatan persediaan"),
                _choice("partial", 0.5, "Some items, or counts only", "Sebagian atau hitung fisik"),
                _choice("complete", 1.0, "Stock card for every item", "Kartu stok semua barang"),
                _choice(
                    "no_stock",
                    1.0,
                    "The business holds no stock",
                    "Usaha tidak memiliki persediaan",
                ),
            ),
            expertise=_ACCOUNTING,
            milestone="accounting.stock-card",
            question=Label(
                en="Are materials and goods in stock recorded?",
                id="Apakah bahan dan barang persediaan dicatat?",
            ),
            source=f"{SAK_EMKM}, chapter on inventories (persediaan): measured at cost",
        ),
        Criterion(
            id="receivables_payables",
            label=Label(en="Receivables and payables", id="Catatan piutang dan utang"),
            weight=8,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("none", 0.0, "Not recorded", "Tidak dicatat"),
                _choice("partial", 0.5, "Some are recorded", "Sebagian dicatat"),
                _choice("complete", 1.0, "All, with due dates", "Semua, dengan jatuh tempo"),
                _choice(
                    "no_credit",
                    1.0,
                    "No credit sales or purchases",
                    "Tidak ada penjualan atau pembelian kredit",
                ),
            ),
            expertise=_ACCOUNTING,
            milestone="accounting.receivables-payables",
            question=Label(
                en="Are amounts owed to and by the business recorded?",
                id="Apakah piutang dan utang usaha dicatat?",
            ),
            source=f"{SAK_EMKM}, statement of financial position (receivables, "
            "payables) and chapter on liabilities",
        ),
        Criterion(
            id="monthly_profit_loss",
            label=Label(en="Monthly profit and loss", id="Laporan laba rugi bulanan"),
            weight=12,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("none", 0.0, "Never", "Tidak pernah"),
                _choice("yearly", 0.3, "Once a year", "Setahun sekali"),
                _choice("quarterly", 0.6, "Every quarter", "Setiap triwulan"),
                _choice("monthly", 1.0, "Every month", "Setiap bulan"),
            ),
            expertise=_ACCOUNTING,
            milestone="accounting.monthly-profit-loss",
            question=Label(
                en="How often is a profit and loss statement prepared?",
                id="Seberapa sering laporan laba rugi disusun?",
            ),
            source=f"{SAK_EMKM}, income statement (laporan laba rugi)",
        ),
        Criterion(
            id="financial_position",
            label=Label(
                en="Statement of financial position",
                id="Laporan posisi keuangan",
            ),
            weight=10,
            expertise=_ACCOUNTING,
            milestone="accounting.financial-position",
            question=Label(
                en="Is a statement of financial position (balance sheet) prepared at least yearly?",
                id="Apakah laporan posisi keuangan (neraca) disusun minimal setahun sekali?",
            ),
            source=f"{SAK_EMKM}, statement of financial position (laporan posisi keuangan)",
        ),
        Criterion(
            id="notes",
            label=Label(
                en="Notes to the financial statements",
                id="Catatan atas laporan keuangan",
            ),
            weight=6,
            expertise=_ACCOUNTING,
            milestone="accounting.notes",
            question=Label(
                en="Do the statements come with notes (basis, policies, details)?",
                id="Apakah laporan dilengkapi catatan (dasar penyusunan, kebijakan, rincian)?",
            ),
            source=f"{SAK_EMKM}, notes to the financial statements (catatan atas laporan keuangan)",
        ),
        Criterion(
            id="cost_and_pricing",
            label=Label(
                en="Cost of goods and pricing",
                id="Harga pokok produksi dan penetapan harga",
            ),
            weight=10,
            kind=AnswerKind.CHOICE,
            choices=(
                _choice("guess", 0.0, "Priced by feel", "Harga dikira-kira"),
                _choice("competitors", 0.3, "Follows competitors", "Mengikuti pesaing"),
                _choice("cost_known", 0.7, "Cost computed, price not from it", "HPP dihitung"),
                _choice(
                    "cost_plus",
                    1.0,
                    "Price = computed cost plus margin",
                    "Harga = HPP ditambah margin",
                ),
            ),
            expertise=_FINANCE,
            milestone="accounting.cost-pricing",
            question=Label(
                en="How are selling prices set?",
                id="Bagaimana harga jual ditetapkan?",
            ),
            source=f"{SAK_EMKM}, chapter on inventories (cost of purchase and conversion); "
            "cost-plus pricing is management practice, not part of the standard",
        ),
        Criterion(
            id="tax_registration",
            label=Label(en="Tax registration (NPWP)", id="Terdaftar sebagai wajib pajak (NPWP)"),
            weight=8,
            derive=derive_tax_registration,
            expertise=_ACCOUNTING,
            milestone="accounting.tax-registration",
            question=Label(
                en="Is the business (or its owner) registered for tax with an NPWP?",
                id="Apakah usaha (atau pemiliknya) memiliki NPWP?",
            ),
            source="UU 6/1983 (KUP) as amended by UU 7/2021 (HPP); "
            "PP 55/2022: final income tax for UMKM turnover",
        ),
    ),
    levels=LEVELS,
)


@hookimpl
def register_rubrics() -> list[Rubric]:
    """Declare the ``accounting`` rubric."""
    return [RUBRIC]


@hookimpl
def register_milestone_templates() -> list[MilestoneTemplate]:
    """Declare one milestone template per accounting criterion."""
    return list(TEMPLATES)
