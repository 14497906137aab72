"""Reading small reference CSV files (classification tree, departments) with row-numbered errors."""
from __future__ import annotations

import csv
import io
import pathlib

from catalog_schema import Problem

from .errors import InvalidInput


def read_rows(path: pathlib.Path | str, required: dict[str, tuple[str, ...]],
              optional: dict[str, tuple[str, ...]] | None = None) -> list[tuple[int, dict]]:
    """Rows as (line number, {canonical column: value}); `required` maps a column to its accepted headers, `optional`
    a column the file may leave out (its value is then "")."""
    raw = pathlib.Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput([Problem("file", "文件", "文件编码无法识别：请保存为 UTF-8 编码的 CSV", "unreadable encoding")])
    reader = csv.DictReader(io.StringIO(text))
    headers = reader.fieldnames or []
    mapping: dict[str, str] = {}
    missing = []
    for column, accepted in required.items():
        found = next((h for h in headers if h and h.strip() in accepted), None)
        if found is None:
            missing.append(f"{column}（可用列名：{'/'.join(accepted)}）")
        else:
            mapping[column] = found
    if missing:
        raise InvalidInput([Problem("header", "表头", f"CSV 缺少列：{'；'.join(missing)}", "missing CSV columns")])
    for column, accepted in (optional or {}).items():
        mapping[column] = next((h for h in headers if h and h.strip() in accepted), "")
    return [(number, {c: (row.get(h) or "").strip() if h else "" for c, h in mapping.items()})
            for number, row in enumerate(reader, start=2)]


def row_problem(line: int, column: str, message: str, message_en: str) -> Problem:
    return Problem(f"row {line}.{column}", f"第{line}行「{column}」", f"第 {line} 行「{column}」：{message}",
                   f"line {line}, {column}: {message_en}")
