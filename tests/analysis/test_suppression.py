"""Small-number suppression: base rule, small counts, and complementary cells."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.suppression import (
    SUPPRESSED,
    is_base_suppressed,
    recoverable_cells,
    suppress_small_bases,
    suppress_table,
    suppress_table_frame,
    suppression_mask,
)


def subtraction_attack(counts, mask):
    """Recover hidden cells the way a reader would: any row or column of the
    published table (totals included) with one unknown gives it away; repeat
    with what has been learnt. Written independently of the module's audit."""
    ext = [list(r) + [sum(r)] for r in counts]
    ext.append([sum(c) for c in zip(*ext, strict=True)])
    rows, cols = len(ext), len(ext[0])
    known = {(i, j) for i in range(rows) for j in range(cols) if not mask[i][j]}
    lines = [[(i, j) for j in range(cols)] for i in range(rows)]
    lines += [[(i, j) for i in range(rows)] for j in range(cols)]
    learnt = True
    while learnt:
        learnt = False
        for line in lines:
            unknown = [c for c in line if c not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                learnt = True
    return {(i, j) for i in range(rows) for j in range(cols) if mask[i][j]} & known


def test_results_with_a_base_under_ten_are_suppressed():
    assert is_base_suppressed(9) and not is_base_suppressed(10)
    assert is_base_suppressed(None)
    assert not is_base_suppressed(5, min_base=5)


def test_base_rule_rejects_negative_bases_and_thresholds_below_one():
    with pytest.raises(ValueError):
        is_base_suppressed(-1)
    with pytest.raises(ValueError):
        is_base_suppressed(5, min_base=0)


def test_suppressing_records_hides_values_keeps_n_and_flags_the_row():
    rows = [
        {"segment": "north", "n": 8, "positive": 5, "pct": 62.5},
        {"segment": "south", "n": 40, "positive": 22, "pct": 55.0},
    ]
    out = suppress_small_bases(rows)
    assert out[0] == {"segment": "north", "n": 8, "positive": "c", "pct": "c", "suppressed": True}
    assert out[1]["pct"] == 55.0 and out[1]["suppressed"] is False
    assert rows[0]["pct"] == 62.5  # input untouched


def test_suppressing_records_can_use_none_for_json():
    assert suppress_small_bases([{"n": 3, "pct": 33.3}], marker=None)[0]["pct"] is None


def test_suppressing_a_dataframe_marks_small_bases_with_c():
    df = pd.DataFrame({"n": [8, 40, None], "pct": [62.5, 55.0, None]})
    out = suppress_small_bases(df)
    assert out["pct"].tolist() == [SUPPRESSED, 55.0, SUPPRESSED]
    assert out["suppressed"].tolist() == [True, False, True]
    assert df["pct"].iloc[0] == 62.5


def test_a_dataframe_without_a_base_column_is_an_error():
    with pytest.raises(ValueError, match="'n'"):
        suppress_small_bases(pd.DataFrame({"pct": [50.0]}))


def test_a_lone_small_count_gets_a_complement_in_its_row_and_column():
    table = [[12, 2, 30], [40, 25, 18], [11, 13, 50]]
    result = suppress_table(table)
    # The 2 is primary. Its row gets the next smallest cell (12); column 0 then
    # has one hidden cell and gets 11; row 2 then hides 13, which pairs with 2
    # in column 1. Every hidden cell now shares its row and column with another.
    assert result.cells == [["c", "c", 30], [40, 25, 18], ["c", "c", 50]]
    assert result.row_totals == [44, 83, 74]
    assert result.column_totals == [63, 40, 98]


def test_a_two_by_two_with_one_small_count_hides_the_whole_body():
    result = suppress_table([[3, 20], [15, 30]])
    assert result.cells == [["c", "c"], ["c", "c"]]
    assert (result.row_totals, result.column_totals, result.grand_total) == ([23, 45], [18, 50], 68)


def test_tables_without_small_counts_are_unchanged():
    result = suppress_table([[12, 20], [30, 40]])
    assert result.cells == [[12, 20], [30, 40]]
    assert result.grand_total == 102


def test_zeros_are_shown_and_small_totals_are_hidden():
    result = suppress_table([[0, 5, 7], [1, 0, 9]])
    assert result.cells[0][0] == 0
    assert result.cells[1][0] == SUPPRESSED
    assert result.column_totals[0] == SUPPRESSED  # column 0 total is 1


def test_thresholds_are_parameters():
    assert suppress_table([[6, 20], [15, 30]], high=6).cells[0][0] == SUPPRESSED
    assert suppress_table([[3, 20], [15, 30]], low=5, high=9).cells[0][0] == 3
    with pytest.raises(ValueError):
        suppression_mask([[1]], low=5, high=4)


@pytest.mark.parametrize("bad", [[], [[]], [[1, 2], [3]], [[-1, 2]], [[1.5, 2]], [[True, 2]]])
def test_malformed_tables_are_rejected(bad):
    with pytest.raises(ValueError):
        suppress_table(bad)


def test_the_audit_spots_a_cell_recoverable_only_by_combining_equations():
    # Hiding the 3 and its row total puts two unknowns in row 0, but column 0
    # still reads 3 = 18 - 15, and then the row total follows.
    counts = [[3, 20], [15, 30]]
    mask = [[True, False, True], [False, False, False], [False, False, False]]
    assert recoverable_cells(counts, mask) == [(0, 0), (0, 2)]


def test_secondary_suppression_cannot_be_undone_by_subtraction_in_a_worked_example():
    table = [[12, 2, 30, 7], [40, 25, 18, 3], [11, 13, 50, 22]]
    mask = suppression_mask(table)
    assert subtraction_attack(table, mask) == set()
    assert recoverable_cells(table, mask) == []


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda cols: st.lists(
            st.lists(st.integers(min_value=0, max_value=40), min_size=cols, max_size=cols),
            min_size=1,
            max_size=5,
        )
    )
)
def test_no_table_lets_a_small_count_be_recovered(table):
    mask = suppression_mask(table)
    ext = [r + [sum(r)] for r in table]
    ext.append([sum(c) for c in zip(*ext, strict=True)])
    for i, row in enumerate(ext):
        for j, value in enumerate(row):
            if 1 <= value <= 4:
                assert mask[i][j], f"small count {value} at {(i, j)} shown"
    assert subtraction_attack(table, mask) == set()
    assert recoverable_cells(table, mask) == []


def test_dataframe_tables_gain_totals_and_keep_labels():
    df = pd.DataFrame({"yes": [3, 15], "no": [20, 30]}, index=["north", "south"])
    out = suppress_table_frame(df)
    assert list(out.index) == ["north", "south", "Total"]
    assert list(out.columns) == ["yes", "no", "Total"]
    assert out.loc["north", "yes"] == SUPPRESSED
    assert out.loc["Total"].tolist() == [18, 50, 68]


def test_dataframe_tables_with_missing_cells_are_rejected():
    df = pd.DataFrame({"yes": [3, None], "no": [20, 30]})
    with pytest.raises(ValueError, match="missing"):
        suppress_table_frame(df)


def test_docstring_examples_run():
    import doctest

    import analysis.suppression

    assert doctest.testmod(analysis.suppression).failed == 0
