"""Read an uploaded workbook into raw entries for `catalog_schema.validate_entry`, streaming.

`read_workbook(path, limits=...)` first runs the guards (`guards.check_file`), then opens the file with
``openpyxl.load_workbook(path, read_only=True, data_only=False)`` and streams each data sheet once with
``iter_rows(values_only=True)``: every column gets one converter (chosen from its schema type) and every row
is a tuple walked by index, so the per-cell work is a tuple lookup and, for non-blank cells, one call.
Coordinates are not kept per value: a parsed entry keeps its row numbers and shares its sheet's column map,
which is enough to turn a problem path (``sharing_type``, ``data_items[2].length``) back into a cell.

Problems the reader finds itself (`ParsedWorkbook.problems`): unknown, duplicate or missing required headers;
values that cannot be converted (unknown vocabulary labels, departments or category codes, bad booleans or
dates, Excel error values, control characters, over-long cells); formulas (refused: the file must carry
values); a data-item row linked to no entry row; duplicate 行号 or 信息资源代码 within the file; in the
one-sheet layout, rows of one entry that disagree on an entry value. Everything else (required fields,
lengths, cross-field rules) is `validate_entry`'s, mapped back to cells by `problems_for`.

The modules, each importing only those above it:

    results.py     ParsedWorkbook, ParsedEntry, SheetColumns — what the reader hands back
    xml_errors.py  sheets (or whole workbooks) whose XML cannot be parsed
    base.py        the state of one reading and the records its parts pass each other
    headers.py     header rows and column maps
    cells.py       data rows, cell values, formula detection
    linking.py     rows into entries, data-item rows to their entry (two-sheet and one-sheet layouts)
    workbook.py    read_workbook: open the file, pick the data sheets, read them
    validation.py  validate_workbook / problems_for: validation problems back to cells
"""
from .cells import FORMULA_MESSAGE, FORMULA_MESSAGE_EN
from .results import ONE_SHEET_LAYOUT, TWO_SHEETS, ParsedEntry, ParsedWorkbook, SheetColumns
from .validation import problems_for, validate_workbook
from .workbook import quiet_openpyxl, read_workbook
from .xml_errors import broken_sheet_problem, locate_xml_error

__all__ = [
    "FORMULA_MESSAGE", "FORMULA_MESSAGE_EN", "ONE_SHEET_LAYOUT", "TWO_SHEETS", "ParsedEntry", "ParsedWorkbook",
    "SheetColumns", "broken_sheet_problem", "locate_xml_error", "problems_for", "quiet_openpyxl",
    "read_workbook", "validate_workbook",
]
