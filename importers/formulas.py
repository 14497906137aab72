"""Text that a spreadsheet would take for a formula (formula injection) is written as text, never as a formula.

A catalog holds what people typed: a summary may start with “=”, a phone number with “+”, a length with “-”.
openpyxl writes a string starting with “=” as a live formula, and Excel, WPS and LibreOffice evaluate one
starting with “+”, “-” or “@” as soon as someone edits the cell (a tab or carriage return first is how CSV
injection hides the rest). So every text cell starting with one of these is written as a string cell with the
quote prefix (Excel's leading apostrophe, ``quotePrefix`` in the cell's style): shown and kept as text, and
read back by the importer unchanged, since the reader refuses only cells whose type is formula.
"""
from __future__ import annotations

from openpyxl.cell import WriteOnlyCell

#: first characters that make a spreadsheet read a typed text as a formula
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def looks_like_formula(value) -> bool:
    """Whether `value` is text a spreadsheet would evaluate if it were typed into a cell."""
    return type(value) is str and value[:1] in FORMULA_TRIGGERS


def as_text(cell):
    """Make a (normal or write-only) cell holding such text a text cell with the quote prefix; returns it."""
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def text_cell(ws, value) -> WriteOnlyCell:
    """A write-only cell showing `value` as text, whatever it starts with."""
    return as_text(WriteOnlyCell(ws, value=value))


def guard_row(ws, row: list) -> list:
    """A row to append to a write-only sheet, each formula-like text turned into a `text_cell`."""
    return [text_cell(ws, value) if looks_like_formula(value) else value for value in row]
