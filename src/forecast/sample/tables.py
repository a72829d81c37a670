"""The synthetic sample's fixed tables: the agencies that hold its tasks (name, type, relative weight), the cohorts
its tasks arrive in (source document, arrival window, deadline rules, rate group) and the words its titles are
made of. :mod:`forecast.sample` draws the portfolio from them."""

from __future__ import annotations

from dataclasses import dataclass

from forecast.sample.process import CONCLUSIONS, PLAN02, RES71

# (agency, type, weight): weights are relative task counts; 1,287 tasks spread over them gives 3..150 per agency.
AGENCIES: tuple[tuple[str, str, float], ...] = (
    ("Ministry of Science and Technology", "ministry", 150),
    ("Ministry of Public Security", "ministry", 115),
    ("Ministry of Finance", "ministry", 100),
    ("Ministry of Agriculture and Environment", "ministry", 80),
    ("Government Office", "central agency", 70),
    ("Ministry of Home Affairs", "ministry", 62),
    ("Ministry of Industry and Trade", "ministry", 58),
    ("Ministry of Education and Training", "ministry", 52),
    ("Ministry of Health", "ministry", 46),
    ("Ministry of Justice", "ministry", 42),
    ("Ministry of Construction", "ministry", 40),
    ("State Bank of Vietnam", "central agency", 28),
    ("Ministry of Culture, Sports and Tourism", "ministry", 26),
    ("Ministry of Ethnic Minorities and Religions", "ministry", 20),
    ("Ministry of National Defence", "ministry", 16),
    ("Ministry of Foreign Affairs", "ministry", 14),
    ("Government Inspectorate", "central agency", 9),
    ("Vietnam Academy of Science and Technology", "central agency", 8),
    ("Vietnam Social Security", "central agency", 6),
    ("Vietnam Academy of Social Sciences", "central agency", 4),
    ("Ha Noi", "province", 26),
    ("Ho Chi Minh City", "province", 24),
    ("Da Nang", "province", 12),
    ("Hai Phong", "province", 10),
    ("Can Tho", "province", 8),
    ("Hue", "province", 7),
    ("Quang Ninh", "province", 6),
    ("Dong Nai", "province", 6),
    ("Bac Ninh", "province", 5),
    ("Khanh Hoa", "province", 5),
    ("Nghe An", "province", 5),
    ("Thanh Hoa", "province", 5),
    ("Lam Dong", "province", 4),
    ("Gia Lai", "province", 4),
    ("Dak Lak", "province", 4),
    ("An Giang", "province", 4),
    ("Tay Ninh", "province", 4),
    ("Vinh Long", "province", 3),
    ("Dong Thap", "province", 3),
    ("Ca Mau", "province", 3),
    ("Phu Tho", "province", 3),
    ("Thai Nguyen", "province", 3),
    ("Lao Cai", "province", 3),
    ("Tuyen Quang", "province", 3),
    ("Son La", "province", 3),
    ("Lai Chau", "province", 3),
    ("Dien Bien", "province", 3),
    ("Cao Bang", "province", 3),
    ("Lang Son", "province", 3),
    ("Ninh Binh", "province", 3),
    ("Hung Yen", "province", 3),
    ("Ha Tinh", "province", 3),
    ("Quang Tri", "province", 3),
    ("Quang Ngai", "province", 3),
)


@dataclass(frozen=True)
class Cohort:
    """Tasks of one source document that entered the system together: arrival window, deadlines, rate group."""

    source: str
    share: float  # share of the non-regular tasks
    arrival: tuple[str, str]  # first and last day of arrival
    deadlines: tuple[tuple[str, float], ...]  # ("YYYY-MM-DD" fixed, or "+N" days after arrival to month-end)
    group: str  # key of the base completion rate in Process.rates
    assigned_lag: int  # days between assignment and entry into the system


COHORTS = (
    # Res 71 (16 Apr 2025): a first wave of 86 tasks due by the 1 Jul switch-over (59 done, 22 in progress in June;
    # 33 behind schedule on 31 Jul), the rest loaded in Jul-Aug. The first wave's shares are fitted (see
    # _deadline_weights); the others are assumptions.
    Cohort(
        RES71,
        86 / 1109,
        ("2025-04-17", "2025-04-17"),
        (("2025-05-15", 0.3), ("2025-05-31", 0.25), ("2025-06-30", 0.35), ("2025-12-31", 0.1)),
        "res71_first",
        1,
    ),
    Cohort(
        RES71,
        244 / 1109,
        ("2025-07-03", "2025-08-21"),
        (("2025-09-30", 0.08), ("2025-10-31", 0.12), ("2025-11-30", 0.14), ("2025-12-31", 0.63), ("2026-06-30", 0.03)),
        "res71_second",
        60,
    ),
    Cohort(
        CONCLUSIONS,
        120 / 1109,
        ("2025-01-10", "2025-03-06"),
        (("+45", 0.3), ("+90", 0.4), ("+150", 0.15), ("2025-12-31", 0.15)),
        "conclusions_early",
        5,
    ),
    Cohort(
        CONCLUSIONS,
        125 / 1109,
        ("2025-03-07", "2025-08-28"),
        (("+45", 0.2), ("+90", 0.3), ("+150", 0.15), ("2025-12-31", 0.33), ("2026-03-31", 0.02)),
        "conclusions_early",
        5,
    ),
    Cohort(
        CONCLUSIONS,
        305 / 1109,
        ("2025-08-29", "2025-11-27"),
        (("+60", 0.12), ("+90", 0.14), ("2025-12-31", 0.71), ("2026-03-31", 0.03)),
        "conclusions_late",
        5,
    ),
    Cohort(
        PLAN02,
        229 / 1109,
        ("2025-06-12", "2025-10-30"),
        (("2025-09-30", 0.18), ("2025-11-30", 0.07), ("2025-12-31", 0.72), ("2026-06-30", 0.03)),
        "plan02",
        10,
    ),
)
THEMES = (
    "Build the national database on {}",
    "Draft the decree on {}",
    "Put {} online as a full public service",
    "Connect {} to the National Data Centre",
    "Issue the plan for {}",
    "Digitise the records of {}",
    "Report on {} to the Steering Committee",
    "Pilot the sandbox for {}",
)
TOPICS = (
    "land",
    "civil status",
    "health insurance",
    "business registration",
    "tax administration",
    "education",
    "social security",
    "public investment",
    "venture capital funds",
    "strategic technologies",
    "digital signatures",
    "cashless payments",
    "e-invoices",
    "administrative procedures",
    "cybersecurity",
    "innovation centres",
    "AI applications",
    "the 5G network",
    "research institutes",
    "intellectual property",
)
