"""Small-number statistical disclosure control for pages and exports.

Two rules, both with the council's defaults as parameters:

1. **Base suppression.** A result (percentage, interval, positive count)
   whose valid base ``n`` is below ``min_base`` (10) is hidden and shown as
   ``"c"``. Use :func:`suppress_small_bases` on result records or a
   DataFrame.
2. **Small counts in breakdown tables.** Inside a cross-tabulation, counts
   from ``low`` to ``high`` (1 to 4) are hidden (primary suppression). When
   row and column totals are published, a single hidden cell in a row or
   column could be recovered by subtraction, so further cells are hidden
   (secondary, or complementary, suppression): the smallest other cell in
   that row or column, preferring non-zero body cells over totals. Use
   :func:`suppress_table` on a list of rows or :func:`suppress_table_frame`
   on a DataFrame.

After the row/column rule, the table is audited with exact linear algebra
(:func:`recoverable_cells`): any hidden cell whose value follows from the
published cells through any combination of the row, column and grand-total
equations gets another complementary suppression, until none does.

Limits: the audit covers equalities only. Someone who also uses the fact
that counts are non-negative can sometimes narrow a hidden cell to a range
(for example a hidden 3 beside a hidden 1 in a row whose visible part
leaves 4); choosing non-zero complements keeps such ranges wide in
practice. Tables published elsewhere with shared margins are not
considered: suppress them together or from the same hidden cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pandas as pd

__all__ = [
    "SUPPRESSED",
    "MIN_BASE",
    "SMALL_COUNT_RANGE",
    "SuppressedTable",
    "is_base_suppressed",
    "suppress_small_bases",
    "suppression_mask",
    "recoverable_cells",
    "suppress_table",
    "suppress_table_frame",
]

SUPPRESSED = "c"
"""Marker shown in place of a suppressed value."""
MIN_BASE = 10
"""Results with a valid base below this are suppressed."""
SMALL_COUNT_RANGE = (1, 4)
"""Counts in this inclusive range are suppressed inside breakdown tables."""

_RESULT_KEYS = ("positive", "pct", "ci_low", "ci_high")


def is_base_suppressed(n: int | None, *, min_base: int = MIN_BASE) -> bool:
    """Whether a result with valid base ``n`` must be hidden.

    ``None`` (no result recorded) counts as suppressed: there is nothing
    safe to show.

    Raises
    ------
    ValueError
        If ``n`` is negative or ``min_base`` is below 1.

    Examples
    --------
    >>> is_base_suppressed(9), is_base_suppressed(10), is_base_suppressed(None)
    (True, False, True)
    """
    if min_base < 1:
        raise ValueError(f"min_base must be at least 1, got {min_base!r}")
    if n is None:
        return True
    if n < 0:
        raise ValueError(f"n must not be negative, got {n!r}")
    return n < min_base


def suppress_small_bases(
    data: Iterable[Mapping[str, Any]] | pd.DataFrame,
    *,
    n_key: str = "n",
    value_keys: Sequence[str] = _RESULT_KEYS,
    min_base: int = MIN_BASE,
    marker: Any = SUPPRESSED,
    flag_key: str = "suppressed",
) -> list[dict[str, Any]] | pd.DataFrame:
    """Hide result values whose base is below ``min_base``.

    Parameters
    ----------
    data : iterable of mappings, or pandas.DataFrame
        One record (row) per result, with the base under ``n_key``.
    n_key : str, default "n"
        Key or column holding the valid base. A missing or ``None`` base is
        treated as suppressed.
    value_keys : sequence of str, default ("positive", "pct", "ci_low", "ci_high")
        Keys or columns to hide. Absent keys are ignored. The base itself
        stays visible so readers can see why a value is hidden.
    min_base : int, default 10
        Smallest base that may be shown.
    marker : any, default "c"
        Replacement for hidden values (``None`` suits JSON).
    flag_key : str, default "suppressed"
        Key or column added with ``True`` for hidden rows.

    Returns
    -------
    list of dict, or pandas.DataFrame
        New records or a new DataFrame (object dtype in hidden columns); the
        input is not modified.

    Raises
    ------
    ValueError
        If a DataFrame has no ``n_key`` column, or a base is negative.

    Examples
    --------
    >>> suppress_small_bases([{"n": 8, "positive": 5, "pct": 62.5}])
    [{'n': 8, 'positive': 'c', 'pct': 'c', 'suppressed': True}]
    """
    if isinstance(data, pd.DataFrame):
        if n_key not in data.columns:
            raise ValueError(f"the DataFrame has no {n_key!r} column to judge bases by")
        out = data.copy()
        hide = [
            is_base_suppressed(None if pd.isna(v) else int(v), min_base=min_base)
            for v in out[n_key]
        ]
        mask = pd.Series(hide, index=out.index, dtype=bool)
        for key in value_keys:
            if key in out.columns:
                out[key] = out[key].astype(object).where(~mask, marker)
        out[flag_key] = mask
        return out
    records = []
    for record in data:
        row = dict(record)
        hidden = is_base_suppressed(row.get(n_key), min_base=min_base)
        if hidden:
            for key in value_keys:
                if key in row:
                    row[key] = marker
        row[flag_key] = hidden
        records.append(row)
    return records


@dataclass(frozen=True)
class SuppressedTable:
    """A breakdown table after suppression; hidden values are ``"c"``."""

    cells: list[list[int | str]]
    row_totals: list[int | str]
    column_totals: list[int | str]
    grand_total: int | str


def _validate_counts(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = [list(r) for r in counts]
    if not rows or not rows[0]:
        raise ValueError("a table needs at least one row and one column")
    width = len(rows[0])
    for r in rows:
        if len(r) != width:
            raise ValueError("every row of the table must have the same number of columns")
        for v in r:
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"table cells must be non-negative whole counts, got {v!r}")
    return rows


def _extend(rows: list[list[int]]) -> list[list[int]]:
    """Body plus a total column and a total row (grand total bottom right)."""
    ext = [r + [sum(r)] for r in rows]
    ext.append([sum(col) for col in zip(*ext, strict=True)])
    return ext


def _relations(n_rows: int, n_cols: int) -> list[list[tuple[int, int]]]:
    """Cells of each additive equation in the extended table.

    Every row (total row included) sums to its last cell and every column
    (total column included) sums to its bottom cell.
    """
    rels = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    rels += [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)]
    return rels


def _complement(
    ext: list[list[int]], mask: list[list[bool]], cells: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """Choose the cell to hide alongside: non-zero body cells first, smallest first."""
    n_rows, n_cols = len(ext) - 1, len(ext[0]) - 1
    candidates = [(i, j) for i, j in cells if not mask[i][j]]
    if not candidates:
        return None

    def cost(cell: tuple[int, int]) -> tuple[bool, bool, int, int, int]:
        i, j = cell
        is_total = i == n_rows or j == n_cols
        return (is_total, ext[i][j] == 0, ext[i][j], i, j)

    return min(candidates, key=cost)


def recoverable_cells(
    counts: Sequence[Sequence[int]], mask: Sequence[Sequence[bool]]
) -> list[tuple[int, int]]:
    """Hidden cells whose value follows exactly from the visible ones.

    Parameters
    ----------
    counts : sequence of sequences of int
        The table body (without totals).
    mask : sequence of sequences of bool
        Hidden cells of the *extended* table: body rows plus a total row,
        body columns plus a total column, as from :func:`suppression_mask`.

    Returns
    -------
    list of (row, column)
        Positions in the extended table that an attacker can work out by
        adding and subtracting published cells. Empty means the pattern is
        safe against subtraction.

    Notes
    -----
    A hidden cell ``x_k`` is determined exactly when the unit vector
    ``e_k`` lies in the row space of the equations restricted to hidden
    cells. Exact rational Gaussian elimination decides it.

    Examples
    --------
    One hidden cell in a row with a published total is recoverable:

    >>> mask = [[True, False, False], [False, False, False], [False, False, False]]
    >>> recoverable_cells([[3, 20], [15, 30]], mask)
    [(0, 0)]
    """
    rows = _validate_counts(counts)
    n_rows, n_cols = len(rows), len(rows[0])
    if len(mask) != n_rows + 1 or any(len(m) != n_cols + 1 for m in mask):
        raise ValueError("mask must cover the body plus a total row and a total column")
    hidden = [(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1) if mask[i][j]]
    index = {cell: k for k, cell in enumerate(hidden)}
    equations = []
    for rel in _relations(n_rows, n_cols):
        total = rel[-1]
        vec = [Fraction(0)] * len(hidden)
        for cell in rel:
            if cell in index:
                vec[index[cell]] += -1 if cell == total else 1
        if any(vec):
            equations.append(vec)
    basis = _row_reduce(equations)
    found = []
    for cell, k in index.items():
        probe = [Fraction(0)] * len(hidden)
        probe[k] = Fraction(1)
        for pivot, row in basis:
            if probe[pivot]:
                factor = probe[pivot]
                probe = [a - factor * b for a, b in zip(probe, row, strict=True)]
        if not any(probe):
            found.append(cell)
    return sorted(found)


def _row_reduce(equations: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    """Reduced row echelon basis as (pivot column, normalised row) pairs."""
    basis: list[tuple[int, list[Fraction]]] = []
    for vec in equations:
        for pivot, row in basis:
            if vec[pivot]:
                factor = vec[pivot]
                vec = [a - factor * b for a, b in zip(vec, row, strict=True)]
        lead = next((k for k, a in enumerate(vec) if a), None)
        if lead is None:
            continue
        vec = [a / vec[lead] for a in vec]
        reduced = []
        for pivot, row in basis:
            if row[lead]:
                factor = row[lead]
                row = [a - factor * b for a, b in zip(row, vec, strict=True)]
            reduced.append((pivot, row))
        basis = reduced + [(lead, vec)]
    return basis


def suppression_mask(
    counts: Sequence[Sequence[int]], *, low: int = 1, high: int = 4
) -> list[list[bool]]:
    """Which cells of the extended table (body plus totals) to hide.

    Parameters
    ----------
    counts : sequence of sequences of int
        Table body: non-negative counts, one inner sequence per row.
    low, high : int, default 1 and 4
        Inclusive range of counts hidden by primary suppression, in the body
        and in the totals. Zeros are shown by default.

    Returns
    -------
    list of list of bool
        ``len(counts) + 1`` rows of ``len(counts[0]) + 1`` flags; the last
        row and column are the totals.

    Raises
    ------
    ValueError
        On a ragged or empty table, negative or non-integer counts, or
        ``low > high``.

    Examples
    --------
    >>> suppression_mask([[3, 20], [15, 30]])
    [[True, True, False], [True, True, False], [False, False, False]]
    """
    if low > high:
        raise ValueError(f"low ({low}) must not exceed high ({high})")
    ext = _extend(_validate_counts(counts))
    n_rows, n_cols = len(ext) - 1, len(ext[0]) - 1
    mask = [[low <= v <= high for v in row] for row in ext]
    relations = _relations(n_rows, n_cols)
    while True:
        changed = False
        for rel in relations:
            if sum(mask[i][j] for i, j in rel) == 1:
                cell = _complement(ext, mask, rel)
                if cell is not None:
                    mask[cell[0]][cell[1]] = True
                    changed = True
        if changed:
            continue
        exposed = recoverable_cells(counts, mask)
        if not exposed:
            return mask
        i, j = exposed[0]
        cell = _complement(ext, mask, relations[i]) or _complement(
            ext, mask, relations[n_rows + 1 + j]
        )
        if cell is None:  # every cell in its row and column is already hidden
            cell = _complement(ext, mask, [c for rel in relations for c in rel])
        if cell is None:
            return mask
        mask[cell[0]][cell[1]] = True


def suppress_table(
    counts: Sequence[Sequence[int]], *, low: int = 1, high: int = 4, marker: Any = SUPPRESSED
) -> SuppressedTable:
    """Apply primary and secondary suppression to a breakdown table.

    Parameters
    ----------
    counts : sequence of sequences of int
        Table body, e.g. segments by answer category.
    low, high : int, default 1 and 4
        Inclusive range of counts to hide.
    marker : any, default "c"
        Replacement for hidden values.

    Returns
    -------
    SuppressedTable
        Body cells, row totals, column totals and grand total with hidden
        values replaced by ``marker``.

    Raises
    ------
    ValueError
        As :func:`suppression_mask`.

    Examples
    --------
    The 3 is hidden, so is the 15 beside it (smallest in its column) and the
    20 and 30 that would otherwise let you subtract:

    >>> t = suppress_table([[3, 20], [15, 30]])
    >>> t.cells, t.row_totals, t.column_totals
    ([['c', 'c'], ['c', 'c']], [23, 45], [18, 50])
    """
    ext = _extend(_validate_counts(counts))
    mask = suppression_mask(counts, low=low, high=high)
    shown = [
        [marker if hide else value for value, hide in zip(row, mrow, strict=True)]
        for row, mrow in zip(ext, mask, strict=True)
    ]
    return SuppressedTable(
        cells=[row[:-1] for row in shown[:-1]],
        row_totals=[row[-1] for row in shown[:-1]],
        column_totals=shown[-1][:-1],
        grand_total=shown[-1][-1],
    )


def suppress_table_frame(
    frame: pd.DataFrame,
    *,
    low: int = 1,
    high: int = 4,
    marker: Any = SUPPRESSED,
    total_label: str = "Total",
) -> pd.DataFrame:
    """:func:`suppress_table` for a DataFrame of counts, adding total margins.

    Parameters
    ----------
    frame : pandas.DataFrame
        Counts only (e.g. from ``pd.crosstab`` without margins). Missing
        values are not allowed: a breakdown cell with no respondents is 0.
    low, high : int, default 1 and 4
        Inclusive range of counts to hide.
    marker : any, default "c"
        Replacement for hidden values.
    total_label : str, default "Total"
        Label of the added total row and column.

    Returns
    -------
    pandas.DataFrame
        Object dtype, with a total row and column.

    Raises
    ------
    ValueError
        If the frame has missing or non-integer values.

    Examples
    --------
    >>> df = pd.DataFrame({"yes": [3, 15], "no": [20, 30]}, index=["north", "south"])
    >>> suppress_table_frame(df).loc["Total"].tolist()
    [18, 50, 68]
    """
    if frame.isna().to_numpy().any():
        raise ValueError("the table has missing values; use 0 for empty cells")
    body = [[_as_count(v) for v in row] for row in frame.to_numpy().tolist()]
    table = suppress_table(body, low=low, high=high, marker=marker)
    data = [cells + [total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    data.append(list(table.column_totals) + [table.grand_total])
    return pd.DataFrame(
        data,
        index=[*frame.index, total_label],
        columns=[*frame.columns, total_label],
        dtype=object,
    )


def _as_count(value: Any) -> int:
    if isinstance(value, bool) or int(value) != value:
        raise ValueError(f"table cells must be whole counts, got {value!r}")
    return int(value)
