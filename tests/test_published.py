import pandas as pd
import pytest

from forecast.data.published import check_identities, figure, load_published
from forecast.errors import DataError


@pytest.fixture(scope="module")
def figures():
    return load_published()


def test_every_figure_cites_a_report(figures):
    assert figures["source_url"].str.match(r"https://").all()
    assert len(figures) >= 40


def test_internal_consistency(figures):
    checks = check_identities(figures)
    assert checks["holds"].all(), checks.loc[~checks["holds"]].to_string()
    assert figure(figures, "2025-12-04", "all", "to_finish_by_year_end") == 472


def test_the_source_disagreements_are_noted_not_corrected(figures):
    total = figure(figures, "2025-07-31", "res71", "agencies_behind")
    parts = figure(figures, "2025-07-31", "res71", "ministries_behind") + figure(
        figures, "2025-07-31", "res71", "localities_behind"
    )
    assert (total, parts) == (21, 20)
    note = figures.loc[figures["metric"] == "agencies_behind", "note"].iloc[0]
    assert "20" in note


def test_per_ministry_rows(figures):
    per = figures.loc[(figures["agency"] != "") & (figures["date"] == pd.Timestamp("2025-07-31"))]
    assert per["value"].sum() == 24
    assert per["agency"].is_unique


def test_bad_figures_file_names_row_and_column(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text(
        "date,scope,agency,metric,value,source_url,note\n2025-12-04,all,,assigned,1287,https://x,\n"
        "04/12/2025,all,,completed,many,https://x,\n2025-13-01,all,,overdue,3,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as exc:
        load_published(path)
    found = {(p.column, p.rows) for p in exc.value.problems}
    assert found == {("value", (3,)), ("date", (4,)), ("source_url", (4,))}
