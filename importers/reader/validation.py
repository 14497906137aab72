"""`validate_entry` on parsed entries, and its problems mapped back to the cells the values came from."""
from __future__ import annotations

from typing import Iterable

from catalog_schema import CatalogSchema, Problem, validate_entry

from ..problems import CellProblem
from .results import ITEM_PATH, ParsedEntry, ParsedWorkbook


def problems_for(parsed_entry: ParsedEntry, validation_problems: Iterable[Problem]) -> list[CellProblem]:
    """catalog_schema Problems (paths like ``name``, ``data_items[1].data_type``) as cell problems.

    Problems of values the reader already refused, and of columns the sheet does not have (the missing
    header is reported once instead), are left out: one mistake, one message.
    """
    out = []
    for problem in validation_problems:
        if problem.path in parsed_entry.failed or _column_missing(parsed_entry, problem.path):
            continue
        ref = parsed_entry.source(problem.path)
        out.append(CellProblem.at(ref, parsed_entry.value_at(problem.path), problem.message, problem.message_en))
    return out


def validate_workbook(parsed: ParsedWorkbook, *, lookups=None,
                      schema: CatalogSchema | None = None) -> tuple[list[dict], list[CellProblem]]:
    """`validate_entry` on every parsed entry: (clean values per entry, all problems — reading and validation)."""
    cleans, problems = [], list(parsed.problems)
    for entry in parsed.entries:
        clean, found = validate_entry(entry.values, lookups=lookups, schema=schema)
        cleans.append(clean)
        problems += problems_for(entry, found)
    return cleans, problems


def _column_missing(entry: ParsedEntry, path: str) -> bool:
    match = ITEM_PATH.match(path)
    if match:
        key = match.group(2)
        return key is not None and (entry.item_columns is None or key not in entry.item_columns.letters)
    return bool(path) and path != "data_items" and entry.columns is not None and path not in entry.columns.letters
