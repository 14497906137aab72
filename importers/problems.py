"""Problems of an uploaded workbook: per cell (`CellProblem`) or for the whole file (`WorkbookRejected`).

Every message is Chinese first (for the editor who fixes the file) with an English twin for API clients.
A cell problem names its sheet, row and column separately, so the same problem can be listed in the web
page, written into the annotated copy as a comment, and returned by the API.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: a cell value longer than this is cut in messages and reports (the full value is in the file)
SHOWN_VALUE_CHARS = 200
#: … and in a one-line problem list
LINE_VALUE_CHARS = 60


@dataclass(frozen=True)
class CellRef:
    """Where a value came from: sheet name, 1-based row, column letter ("" = the whole row) and header."""

    sheet: str
    row: int | None
    column: str = ""
    header: str = ""

    @property
    def coordinate(self) -> str:
        """``C5``, or ``""`` when the reference is not one cell."""
        return f"{self.column}{self.row}" if self.column and self.row else ""

    def describe(self) -> str:
        """工作表「信息资源」第 5 行 C 列（信息资源名称）."""
        out = f"工作表「{self.sheet}」" if self.sheet else "工作簿"
        if self.row:
            out += f"第 {self.row} 行"
        if self.column:
            out += f" {self.column} 列"
        if self.header:
            out += f"（{self.header}）"
        return out


@dataclass(frozen=True)
class CellProblem:
    """One problem of one cell (or of a row, or of a sheet when `row`/`column` are empty).

    `message` says what is wrong and how to fix it; `str(problem)` prefixes the location, e.g.
    「工作表「信息资源」第 5 行 C 列（信息资源名称）：「信息资源名称」为必填项」.
    """

    sheet: str
    row: int | None
    column: str
    header: str
    value: Any
    message: str
    message_en: str

    @property
    def ref(self) -> CellRef:
        return CellRef(self.sheet, self.row, self.column, self.header)

    @property
    def location(self) -> str:
        return self.ref.describe()

    @property
    def full_message(self) -> str:
        return f"{self.location}：{self.message}"

    @property
    def line(self) -> str:
        """`full_message` and, unless the message already quotes it, the value of the cell — one line of a
        problem list (the command line's, the web page's), e.g. 「…第 5 行 Q 列（共享条件）：「共享条件」为必填项」
        or 「…第 6 行 B 列（信息资源名称）：「信息资源名称」不能超过 50 个字符（单元格内容：“…”）」."""
        shown = shown_value(self.value).strip()
        if len(shown) > LINE_VALUE_CHARS:
            shown = shown[:LINE_VALUE_CHARS] + "…"
        if not shown or f"“{shown}”" in self.message:
            return self.full_message
        return f"{self.full_message}（单元格内容：“{shown}”）"

    def __str__(self) -> str:
        return self.full_message

    def as_dict(self) -> dict:
        """JSON-ready, for the API."""
        return {
            "sheet": self.sheet, "row": self.row, "column": self.column, "header": self.header,
            "value": shown_value(self.value), "message": self.message, "message_en": self.message_en,
            "line": self.line,
        }

    @classmethod
    def at(cls, ref: CellRef, value: Any, message: str, message_en: str) -> "CellProblem":
        return cls(ref.sheet, ref.row, ref.column, ref.header, value, message, message_en)


class WorkbookRejected(Exception):
    """The file as a whole cannot be read (not an .xlsx, too big, a zip bomb, too many rows ...).

    Raised before or instead of parsing; nothing in such a file can be annotated.
    """

    def __init__(self, message: str, message_en: str, *, sheet: str = ""):
        super().__init__(message)
        self.message = message
        self.message_en = message_en
        self.sheet = sheet

    def as_dict(self) -> dict:
        return {"message": self.message, "message_en": self.message_en, "sheet": self.sheet}


def shown_value(value: Any) -> str:
    """A cell value as text for messages and reports: never None, never huge, never an XML-illegal character."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if len(text) > SHOWN_VALUE_CHARS:
        text = text[:SHOWN_VALUE_CHARS] + f"…（共 {len(text)} 个字符）"
    return printable(text)


def printable(text: str) -> str:
    """`text` without the characters an .xlsx cannot store (control characters, lone surrogates)."""
    from .values import ILLEGAL_CHARACTERS

    return ILLEGAL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", text)
