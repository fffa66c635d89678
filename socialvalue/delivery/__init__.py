"""Contract delivery arithmetic: a pure, standard-library-only package (like the scoring engine).

Accrual profiles, expected-to-date, % of expected and RAG, contract status, reporting periods
with due dates and overdue detection, promised vs delivered, and a supplier's delivery rate.
Everything is exact (``fractions.Fraction``); see :mod:`.terms` for how time is counted (in
calendar months) and :mod:`.status` for the rules.
"""

from .status import (
    ACCRUAL_KINDS,
    DEFAULT_BANDS,
    RAG_LABELS,
    AccrualProfile,
    GroupTotal,
    KpiRecord,
    KpiStatus,
    Milestone,
    PromiseLine,
    PromiseTotal,
    Rag,
    RagBands,
    TrackRecord,
    delivery_rate,
    kpi_status,
    monetised,
    percent_of,
    profile_problems,
    promised_vs_delivered,
    rag_for,
    worst,
)
from .terms import (
    DEFAULT_DUE_DAYS,
    FREQUENCY_MONTHS,
    Period,
    add_months,
    elapsed_share,
    months_between,
    period_ending,
    reporting_periods,
    term_months,
)

__all__ = [
    "ACCRUAL_KINDS",
    "DEFAULT_BANDS",
    "DEFAULT_DUE_DAYS",
    "FREQUENCY_MONTHS",
    "RAG_LABELS",
    "AccrualProfile",
    "GroupTotal",
    "KpiRecord",
    "KpiStatus",
    "Milestone",
    "Period",
    "PromiseLine",
    "PromiseTotal",
    "Rag",
    "RagBands",
    "TrackRecord",
    "add_months",
    "delivery_rate",
    "elapsed_share",
    "kpi_status",
    "monetised",
    "months_between",
    "percent_of",
    "period_ending",
    "profile_problems",
    "promised_vs_delivered",
    "rag_for",
    "reporting_periods",
    "term_months",
    "worst",
]
