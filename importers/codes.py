"""What a cell of a code column may hold, and how it becomes the code.

A column that stores a code (a vocabulary term, a classification node, a topic, a department, a related
resource) accepts the code, the name — for a department also its short name or any alias — or both:
“102005 人口基本信息”, “006 市公安局”, “市公安局（006）”. Both given, they must agree. A name shared by several
choices (a short name two departments use) names none of them: the caller reports the candidates.

`Choices` is one reference list, indexed once; `Choices.find(text)` returns the `Choice` or raises
`NotFound`, `Ambiguous` or `Mismatch`, which `failure_message` turns into the Chinese message of the cell.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

_SPACE = re.compile(r"\s+")
_CODE_CHARS = r"0-9A-Za-z_/"
#: “102005 人口基本信息”, “102005-人口基本信息”, “102005：人口基本信息”, “102005人口基本信息”
_CODE_FIRST = re.compile(rf"^(?P<code>[{_CODE_CHARS}]+)(?![{_CODE_CHARS}])[\s:：|｜\-－—–]*(?P<name>[^\s:：|｜\-－—–].*)$")
#: “市公安局（006）”, as the candidates are listed in messages
_NAME_FIRST = re.compile(rf"^(?P<name>.*?\S)\s*[（(]\s*(?P<code>[{_CODE_CHARS}]+)\s*[)）]$")
#: a value that is only codes separated by spaces (“201002 201003”), read as several codes
CODE_TOKEN = re.compile(rf"^[{_CODE_CHARS}.\-]+$")


def normalize_value(text: str) -> str:
    """A label or name as compared: NFKC (full-width → half-width), no whitespace, case-folded."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def split_code_name(text: str) -> tuple[str, str] | None:
    """(code, name) of “code name” or “name（code）”; None when the text is not of that shape."""
    text = unicodedata.normalize("NFKC", text).strip()
    for pattern in (_CODE_FIRST, _NAME_FIRST):
        match = pattern.match(text)
        if match:
            return match.group("code"), match.group("name").strip()
    return None


@dataclass(frozen=True)
class Choice:
    """One value a code column may take: its code, its name, what the cell becomes (`value`), and the other
    codes (a vocabulary's national code) and names (a department's short name and aliases) it is known by."""

    code: str
    name: str
    value: object
    other_codes: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        """市公安局（006）."""
        return f"{self.name}（{self.code}）"


class Unresolved(ValueError):
    """A cell value that names no choice, or several, or whose code and name disagree."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class NotFound(Unresolved):
    pass


class Ambiguous(Unresolved):
    def __init__(self, text: str, candidates: list[Choice]):
        super().__init__(text)
        self.candidates = candidates


class Mismatch(Unresolved):
    """“code name” whose code is `by_code` (None: no such code) and whose name is `by_name`'s (empty: nothing's)."""

    def __init__(self, text: str, code: str, name: str, by_code: Choice | None, by_name: list[Choice]):
        super().__init__(text)
        self.code, self.name, self.by_code, self.by_name = code, name, by_code, by_name


class Choices:
    """A reference list indexed by normalised code and name.

    `find` tries, in order: a name (names win over codes of other choices, as vocabulary labels always did),
    a code (with `strip_zeros`, “6” finds “006”: Excel drops leading zeros of numbers), another name (short
    names and aliases: several choices may share one), then “code name”.
    """

    def __init__(self, choices: Iterable[Choice], *, strip_zeros: bool = False):
        self.choices = tuple(choices)
        self.strip_zeros = strip_zeros
        self._codes: dict[str, Choice] = {}
        self._names: dict[str, list[Choice]] = {}
        self._other_names: dict[str, list[Choice]] = {}
        for choice in self.choices:
            for code in (choice.code, *choice.other_codes):
                if code:
                    self._codes.setdefault(self._code_key(normalize_value(code)), choice)
            _add(self._names, choice.name, choice)
            for name in choice.other_names:
                _add(self._other_names, name, choice)

    def __len__(self) -> int:
        return len(self.choices)

    def _code_key(self, norm: str) -> str:
        return (norm.lstrip("0") or "0") if self.strip_zeros and norm.isdigit() else norm

    def by_code(self, text: str) -> Choice | None:
        norm = normalize_value(text)
        return self._codes.get(self._code_key(norm)) if norm else None

    def by_name(self, text: str) -> list[Choice]:
        """Every choice with this name, short name or alias (a full name first)."""
        norm = normalize_value(text)
        return list(dict.fromkeys(self._names.get(norm, []) + self._other_names.get(norm, [])))

    def find(self, text: str) -> Choice:
        norm = normalize_value(text)
        if not norm:
            raise NotFound(text)
        for found in (self._names.get(norm), [self.by_code(text)], self._other_names.get(norm)):
            found = [c for c in dict.fromkeys(found or []) if c is not None]
            if len(found) == 1:
                return found[0]
            if found:
                raise Ambiguous(text, found)
        parts = split_code_name(text)
        if parts is not None:
            code, name = parts
            by_code, by_name = self.by_code(code), self.by_name(name)
            if by_code is not None and by_code in by_name:
                return by_code
            if by_code is not None or by_name:
                raise Mismatch(text, code, name, by_code, by_name)
        raise NotFound(text)


def _add(index: dict[str, list[Choice]], name: str, choice: Choice) -> None:
    norm = normalize_value(name) if name else ""
    if norm and choice not in index.setdefault(norm, []):
        index[norm].append(choice)


def listed(choices: list[Choice], limit: int = 10) -> str:
    """共青团某市委员会（012）、团区委（063） (at most `limit`, then “等 N 个”)."""
    shown = "、".join(c.shown for c in choices[:limit])
    return shown + (f" 等 {len(choices)} 个" if len(choices) > limit else "")


def failure_message(label: str, error: Unresolved, *, noun: str, unknown: str, hint: str) -> tuple[str, str]:
    """(Chinese, English) message of a cell whose value `find` could not resolve.

    `label`: the column; `noun`: what the choices are (部门, 分类); `unknown`: what to say of a value naming
    nothing (after the value); `hint`: what to write instead when the value names several choices.
    """
    text = error.text.strip()
    if isinstance(error, Ambiguous):
        return (f"「{label}」“{text}”对应多个{noun}：{listed(error.candidates)}，{hint}",
                f"{label}: {text!r} matches several: {', '.join(c.code for c in error.candidates)}")
    if isinstance(error, Mismatch):
        said_code = (f"代码“{error.code}”是“{error.by_code.name}”" if error.by_code is not None
                     else f"代码“{error.code}”不存在")
        said_name = (f"“{error.name}”是{listed(error.by_name)}" if error.by_name
                     else f"没有名为“{error.name}”的{noun}")
        return (f"「{label}」“{text}”的代码与名称不一致：{said_code}，{said_name}；请改正其中之一，或只填写代码或名称",
                f"{label}: the code and the name of {text!r} disagree")
    return f"「{label}」“{text}”{unknown}", f"{label}: {text!r} is unknown"
