"""The synthetic sample's fixed tables: the agencies that hold its tasks (name, type, relative weight), the cohorts
its tasks arrive in (source document, arrival window, deadline rules, rate group) and the words its titles are
made of. :mod:`forecast.sample` draws the portfolio from them."""

from __future__ import annotations

from dataclasses import dataclass

from forecast.core.languages import N_
from forecast.sample.process import CONCLUSIONS, PLAN02, RES71

# (agency, type, weight): weights are relative task counts; 1,287 tasks spread over them gives 3..150 per agency.
# the names are marked for the catalogue: a Vietnamese report shows each agency's official Vietnamese name
# (src/forecast/locale/vi/LC_MESSAGES/forecast.po, "official name" comments)
AGENCIES: tuple[tuple[str, str, float], ...] = (
    (N_("Ministry of Science and Technology"), "ministry", 150),
    (N_("Ministry of Public Security"), "ministry", 115),
    (N_("Ministry of Finance"), "ministry", 100),
    (N_("Ministry of Agriculture and Environment"), "ministry", 80),
    (N_("Government Office"), "central agency", 70),
    (N_("Ministry of Home Affairs"), "ministry", 62),
    (N_("Ministry of Industry and Trade"), "ministry", 58),
    (N_("Ministry of Education and Training"), "ministry", 52),
    (N_("Ministry of Health"), "ministry", 46),
    (N_("Ministry of Justice"), "ministry", 42),
    (N_("Ministry of Construction"), "ministry", 40),
    (N_("State Bank of Vietnam"), "central agency", 28),
    (N_("Ministry of Culture, Sports and Tourism"), "ministry", 26),
    (N_("Ministry of Ethnic Minorities and Religions"), "ministry", 20),
    (N_("Ministry of National Defence"), "ministry", 16),
    (N_("Ministry of Foreign Affairs"), "ministry", 14),
    (N_("Government Inspectorate"), "central agency", 9),
    (N_("Vietnam Academy of Science and Technology"), "central agency", 8),
    (N_("Vietnam Social Security"), "central agency", 6),
    (N_("Vietnam Academy of Social Sciences"), "central agency", 4),
    (N_("Ha Noi"), "province", 26),
    (N_("Ho Chi Minh City"), "province", 24),
    (N_("Da Nang"), "province", 12),
    (N_("Hai Phong"), "province", 10),
    (N_("Can Tho"), "province", 8),
    (N_("Hue"), "province", 7),
    (N_("Quang Ninh"), "province", 6),
    (N_("Dong Nai"), "province", 6),
    (N_("Bac Ninh"), "province", 5),
    (N_("Khanh Hoa"), "province", 5),
    (N_("Nghe An"), "province", 5),
    (N_("Thanh Hoa"), "province", 5),
    (N_("Lam Dong"), "province", 4),
    (N_("Gia Lai"), "province", 4),
    (N_("Dak Lak"), "province", 4),
    (N_("An Giang"), "province", 4),
    (N_("Tay Ninh"), "province", 4),
    (N_("Vinh Long"), "province", 3),
    (N_("Dong Thap"), "province", 3),
    (N_("Ca Mau"), "province", 3),
    (N_("Phu Tho"), "province", 3),
    (N_("Thai Nguyen"), "province", 3),
    (N_("Lao Cai"), "province", 3),
    (N_("Tuyen Quang"), "province", 3),
    (N_("Son La"), "province", 3),
    (N_("Lai Chau"), "province", 3),
    (N_("Dien Bien"), "province", 3),
    (N_("Cao Bang"), "province", 3),
    (N_("Lang Son"), "province", 3),
    (N_("Ninh Binh"), "province", 3),
    (N_("Hung Yen"), "province", 3),
    (N_("Ha Tinh"), "province", 3),
    (N_("Quang Tri"), "province", 3),
    (N_("Quang Ngai"), "province", 3),
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
    N_("Build the national database on {}"),
    N_("Draft the decree on {}"),
    N_("Put {} online as a full public service"),
    N_("Connect {} to the National Data Centre"),
    N_("Issue the plan for {}"),
    N_("Digitise the records of {}"),
    N_("Report on {} to the Steering Committee"),
    N_("Pilot the sandbox for {}"),
)
TOPICS = (
    N_("land"),
    N_("civil status"),
    N_("health insurance"),
    N_("business registration"),
    N_("tax administration"),
    N_("education"),
    N_("social security"),
    N_("public investment"),
    N_("venture capital funds"),
    N_("strategic technologies"),
    N_("digital signatures"),
    N_("cashless payments"),
    N_("e-invoices"),
    N_("administrative procedures"),
    N_("cybersecurity"),
    N_("innovation centres"),
    N_("AI applications"),
    N_("the 5G network"),
    N_("research institutes"),
    N_("intellectual property"),
)
