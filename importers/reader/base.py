"""The reader's shared state and the records its parts pass each other.

`WorkbookReader` (workbook.py) is assembled from mixins, one per concern: `HeaderReader` (headers.py),
`CellReader` (cells.py) and `EntryLinker` (linking.py). They all build on `ReaderBase`, which holds the
state of one reading (the open workbook, the entries and problems found so far, the indexes by 行号 and
by code) and the helpers that record problems.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from ..guards import FileCheck, Limits
from ..layout import Column, Layout, Reference
from ..problems import CellProblem, CellRef
from ..values import Parser
from .results import ParsedEntry
from .xml_errors import BrokenSheet, broken_sheet_problem


@dataclass
class Sheet:
    """A candidate data sheet: its header row and how its headers match each layout."""

    ws: Any
    title: str
    header_row: int = 0
    headers: tuple = ()
    entry_hits: int = 0
    item_hits: int = 0
    item_only_hits: int = 0


@dataclass
class Col:
    """A column of a data sheet, as mapped from its header: where it is, what it holds, how to parse it."""

    index: int
    column: Column
    parse: Parser
    letter: str
    header: str


@dataclass
class Pending:
    """A row's reading problems (by key) and its “=”-values, until the row's entry is known."""

    failures: list = field(default_factory=list)
    suspects: list = field(default_factory=list)

    def fail(self, key: str, problem: CellProblem) -> None:
        self.failures.append((key, problem))


@dataclass
class Suspect:
    """A value starting with “=” in a known entry: formula or text? (see `_verify_suspects`)."""

    row: int
    col: Col
    target: dict
    entry: ParsedEntry
    prefix: str


class ReaderBase:
    """The state of reading one open (read-only) workbook, and the problem helpers every part uses."""

    def __init__(self, workbook, layout: Layout, reference: Reference, limits: Limits, check: FileCheck,
                 path: str | os.PathLike):
        self.wb = workbook
        self.path = path
        self.layout = layout
        self.schema = layout.schema
        self.reference = reference
        self.limits = limits
        self.check = check
        self.problems: list[CellProblem] = []
        self.entries: list[ParsedEntry] = []
        self.by_row_key: dict[str, ParsedEntry] = {}
        self.by_code: dict[str, ParsedEntry] = {}
        self.suspects: list[Suspect] = []
        self._parsers: dict[tuple[str, str], Parser] = {}

    def _cell_problem(self, sheet: str, number: int, col: Col, value, message: str, message_en: str) -> CellProblem:
        return CellProblem(sheet, number, col.letter, col.header, value, message, message_en)

    def _problem(self, ref: CellRef, value, message: str, message_en: str) -> None:
        self.problems.append(CellProblem.at(ref, value, message, message_en))

    def _broken_sheet(self, title: str, error: ParseError) -> BrokenSheet:
        return BrokenSheet(broken_sheet_problem(self.path, self.check.parts.get(title), title, error))
