"""Cohort reports: indicators as plain data, and a self-contained HTML page.

:func:`cohort_indicators` turns case summaries (:class:`CohortCase`) into
JSON-ready indicators: businesses by district, sector and size class,
levels per rubric at baseline and now, how many have prospects, referrals
per unit and their outcomes, the cooperative membership rate, mentor
caseloads and overdue milestones; :func:`cohort_indicators_from_store`
counts the same straight from an SQL store, reading only what they need.
:func:`render_html` draws them (charts by matplotlib, inline SVG) in
Indonesian or English; :func:`write_report` writes both files.
"""

from ._from_cases import cohort_case, cohort_cases, referral_outcome
from ._from_store import cohort_indicators_from_store
from ._html import render_html
from ._indicators import SCHEMA, CohortCase, CohortReferral, cohort_indicators
from ._write import write_report

__all__ = [
    "SCHEMA",
    "CohortCase",
    "CohortReferral",
    "cohort_case",
    "cohort_cases",
    "cohort_indicators",
    "cohort_indicators_from_store",
    "referral_outcome",
    "render_html",
    "write_report",
]
