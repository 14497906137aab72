"""Legal references as officials write them: 依据《郑州市政府信息资源共享管理办法》第十五条.

The one place that knows the regulations' full titles (from ../shared/seeds, the SPEC's table) and writes an
article number in Chinese numerals. Code and docstrings cite articles in short (``Zhengzhou §15``, ``郑州 §15``);
what a user reads is always the official form: `basis("郑州", 15)`, or `official(text)` for text that may still
carry a short citation (reasons stored on review rows before they were written in full).
"""
from __future__ import annotations

import re

# short name (Chinese or as the SPEC writes it) → the regulation's full title
REGULATIONS: dict[str, str] = {
    "郑州": "郑州市政府信息资源共享管理办法",
    "山东": "山东省政务信息资源共享管理办法",
    "宝鸡": "宝鸡市政务信息资源共享管理暂行办法",
    "广州": "广州市政府信息共享管理规定实施细则",
    "四川": "四川省政务信息资源共享管理实施细则",
    "宁波": "宁波市政府信息资源共享管理办法",
    "海珠": "海珠区政务信息资源共享管理暂行办法",
    "肥城": "肥城市政务信息资源共享管理暂行办法",
}
_ENGLISH = {"Zhengzhou": "郑州", "Shandong": "山东", "Baoji": "宝鸡", "Guangzhou": "广州", "Sichuan": "四川",
            "Ningbo": "宁波", "Haizhu": "海珠", "Feicheng": "肥城"}

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 34 → 三十四, 100 → 一百, 105 → 一百零五 (article numbers, 1–999)."""
    if not 0 < n < 1000:
        raise ValueError(f"article number out of range: {n}")
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if tens == 0 and ones:
            return out + "零" + _DIGITS[ones]
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


def title(short: str) -> str:
    """《郑州市政府信息资源共享管理办法》 for 郑州 or Zhengzhou."""
    return f"《{REGULATIONS[_ENGLISH.get(short, short)]}》"


def cite(short: str, article: int, clause: int | None = None) -> str:
    """《…》第十五条 (第十五条第（一）项 with a clause)."""
    text = f"{title(short)}第{chinese_numeral(article)}条"
    return text + (f"第（{chinese_numeral(clause)}）项" if clause else "")


def basis(short: str, article: int, clause: int | None = None) -> str:
    """依据《…》第十五条."""
    return "依据" + cite(short, article, clause)


_NAMES = "|".join(sorted([*REGULATIONS, *_ENGLISH], key=len, reverse=True))
_SHORT = re.compile(rf"(?P<open>[（(]?)\s*(?P<name>{_NAMES})\s*§\s*(?P<article>\d{{1,3}})"
                    rf"(?:\s*[（(](?P<clause>[一二三四五六七八九十]+|\d+)[）)])?\s*(?P<close>[）)]?)")


def official(text: str) -> str:
    """Text with every short citation (“（郑州 §15）”, “Baoji §15(一)”) written in the official form."""
    def replace(match: re.Match) -> str:
        clause = match["clause"]
        number = int(clause) if clause and clause.isdigit() else None
        written = basis(match["name"], int(match["article"]), number)
        if clause and number is None:
            written += f"第（{clause}）项"
        wrapped = bool(match["open"]) and bool(match["close"])
        return f"（{written}）" if wrapped else f"{match['open']}{written}{match['close']}"

    return _SHORT.sub(replace, text or "")
