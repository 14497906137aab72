"""Reading what a person submitted into a service: text and dates, with a Chinese problem naming the field.

    problems: list[Problem] = []
    title = text_field(values, "title", "需求名称", 200, problems, multiline=False)
    day = date_field(values, "effective_on", "生效日期", problems)
    if problems:
        raise InvalidInput(problems)

Every problem is collected before anything is written, so a form with three mistakes hears of all three.
"""
from __future__ import annotations

import datetime as dt

from catalog_schema import Problem, control_character, control_character_message


def text_field(values: dict, key: str, label: str, limit: int, problems: list, *, required: bool = True,
               multiline: bool = True) -> str:
    """The stripped text of `values[key]`: required, at most `limit` characters, no control characters."""
    raw = values.get(key)
    value = ("" if raw is None else str(raw)).strip()
    if not value:
        if required:
            problems.append(Problem(key, label, f"「{label}」为必填项", f"{key} is required"))
        return ""
    if len(value) > limit:
        problems.append(Problem(key, label, f"「{label}」不能超过 {limit} 个字符", f"{key} is longer than {limit}"))
    character = control_character(value, multiline=multiline)
    if character:
        problems.append(Problem(key, label, control_character_message(label, character),
                                f"{key} contains a control character"))
    return value


def date_field(values: dict, key: str, label: str, problems: list, *,
               default: dt.date | None = None) -> dt.date | None:
    """`values[key]` as a date (a date, or YYYY-MM-DD); `default` when blank, else a problem."""
    raw = values.get(key)
    if isinstance(raw, dt.date):
        return raw
    text = (raw or "").strip()
    if not text:
        if default is None:
            problems.append(Problem(key, label, f"「{label}」为必填项", f"{key} is required"))
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(key, label, f"「{label}」“{text[:20]}”不是有效日期（格式：2026-11-30）",
                                f"{key} is not a date (YYYY-MM-DD)"))
        return None
