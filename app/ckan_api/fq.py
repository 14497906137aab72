"""The filter query (`fq`) of CKAN's package_search: the part of Solr's syntax clients actually send, parsed into
the engine-neutral filters of `search.query.SearchQuery` (no Solr here: the embedded engine and Elasticsearch
both answer it).

Supported, each term `field:value`:

- a bare word, a quoted phrase (``"市 教育局"``) or a group of alternatives (``field:(a OR b OR "c d")``);
- ``+`` (must, the default) and ``-`` (must not) before a term; ``AND`` between terms (terms are ANDed anyway);
  ``OR`` between two terms of filterable fields (``organization:001 OR tags:学校``);
- ranges on ``metadata_modified``: ``[2026-01-01T00:00:00Z TO *]``, ``{… TO …}`` (exclusive), ``NOW``,
  ``NOW-7DAYS`` (units: SECOND(S), MINUTE(S), HOUR(S), DAY(S));
- ``*:*`` (everything), ``dataset_type:dataset``, ``type:dataset``, ``state:active``, ``private:false``
  (what harvesters add: always true here, since the index holds published datasets only).

The fields are CKAN's names (organization, tags, groups, res_format) and the schema's facet keys (sharing_type,
open_to_public, update_cycle, category_code, …). Anything else — another field, an unclosed quote or bracket, a
range on a field that is not a time — is a Search Query Error naming the problem.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from search.fields import facet_keys

from .envelope import SEARCH_QUERY, ApiError

MAX_LENGTH = 2000
MAX_TERMS = 50

# CKAN's names for facets → the schema's facet keys (the others are used as they are)
CKAN_FIELDS = {"organization": "provider", "owner_org": "provider", "tags": "keywords", "groups": "topic_codes",
               "res_format": "format_category"}
# what harvesters and CKAN's own pages add to a query: true of every document in the index
ALWAYS = {("dataset_type", "dataset"), ("type", "dataset"), ("state", "active"), ("private", "false"),
          ("capacity", "public")}
TIME_FIELDS = ("metadata_modified",)

_TOKEN = re.compile(r'''
    (?P<space>\s+)
  | (?P<sign>[+-])(?=[\w*])
  | (?P<op>(?:AND|OR|&&|\|\|)(?=\s|$))
  | (?P<all>\*:\*)
  | (?P<field>[A-Za-z_][\w.]*):
  | (?P<quoted>"(?:[^"\\]|\\.)*")
  | (?P<range>[\[{][^\]}]*[\]}])
  | (?P<group>\([^()]*\))
  | (?P<word>(?:[^\s"()\[\]{}:\\]|\\.)+)
''', re.VERBOSE)


@dataclass
class Filters:
    """What an fq asks for: every group must match one (key, value); no (key, value) of `none_of` may match."""

    any_of: list[tuple[tuple[str, str], ...]] = field(default_factory=list)
    none_of: list[tuple[str, str]] = field(default_factory=list)
    modified: tuple[int | None, int | None] | None = None
    nothing: bool = False  # a term no dataset can match (dataset_type:harvest, say)


def _error(message: str, message_en: str) -> ApiError:
    return ApiError(SEARCH_QUERY, f"查询条件 fq 有误：{message}", f"invalid fq: {message_en}")


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return re.sub(r"\\(.)", r"\1", text)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise _error(f"第 {position + 1} 个字符附近无法识别（“{text[position:position + 20]}”）",
                         f"cannot read the query at character {position + 1}")
        kind = match.lastgroup
        if kind != "space":
            out.append((kind, match.group(kind) if kind != "field" else match.group("field")))
        position = match.end()
    return out


def facet_key(name: str) -> str | None:
    """The index's facet a CKAN field name (organization, tags …) or a schema facet key stands for, or None."""
    key = CKAN_FIELDS.get(name, name)
    return key if key in facet_keys() else None


def field_names() -> list[str]:
    """The names a client may filter and facet on: CKAN's, then the schema's facet keys."""
    return list(CKAN_FIELDS) + list(facet_keys())


def _key_of(name: str) -> str:
    key = facet_key(name)
    if key is None:
        known = "、".join(field_names() + list(TIME_FIELDS))
        raise _error(f"不能按字段“{name[:50]}”筛选（可用：{known}）", f"cannot filter on field {name[:50]!r}")
    return key


def _values(kind: str, raw: str) -> list[str]:
    if kind == "quoted":
        return [_unquote(raw)]
    if kind == "word":
        return [_unquote(raw)]
    if kind == "group":
        words = re.findall(r'"(?:[^"\\]|\\.)*"|[^\s"]+', raw[1:-1])
        parts = [w for w in words if w not in ("OR", "||")]
        if not parts or any(p in ("AND", "&&") or p.startswith(("+", "-")) for p in parts):
            raise _error(f"括号内只能是以 OR 分隔的取值（“{raw[:50]}”）", "a group holds values separated by OR")
        return [_unquote(p) for p in parts]
    raise _error(f"字段后缺少取值（“{raw[:50]}”）", "a field needs a value")


_NOW = re.compile(r"^NOW(?:([+-])(\d{1,6})(SECOND|MINUTE|HOUR|DAY)S?)?(?:/DAY)?$")
_UNITS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _microseconds(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def _moment(text: str, now: dt.datetime) -> int | None:
    """Microseconds since 1970 of a range bound (`*` → None)."""
    text = text.strip()
    if text == "*":
        return None
    match = _NOW.match(text)
    if match:
        moment = now
        if match.group(1):
            delta = dt.timedelta(seconds=int(match.group(2)) * _UNITS[match.group(3)])
            moment = now + delta if match.group(1) == "+" else now - delta
        return _microseconds(moment)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _error(f"时间“{text[:40]}”不是 ISO 8601 格式（如 2026-01-01T00:00:00Z）",
                     f"{text[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return _microseconds(parsed)


def _range(raw: str, now: dt.datetime) -> tuple[int | None, int | None]:
    match = re.fullmatch(r"([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])", raw)
    if match is None:
        raise _error(f"范围“{raw[:50]}”应写作 [起 TO 止]", "a range is written [from TO to]")
    low, high = _moment(match.group(2), now), _moment(match.group(3), now)
    if low is not None and match.group(1) == "{":
        low += 1
    if high is not None and match.group(4) == "}":
        high -= 1
    return low, high


def _intersect(a, b):
    if a is None:
        return b
    low = max([x for x in (a[0], b[0]) if x is not None], default=None)
    high = min([x for x in (a[1], b[1]) if x is not None], default=None)
    return low, high


def parse(queries: list[str], *, now: dt.datetime | None = None, resolve=None) -> Filters:
    """Filters from `fq` and the entries of `fq_list`. `resolve(key, value)` turns a CKAN value into the index's
    (an organization's name into its department id); it returns None for a value that matches nothing."""
    now = now or dt.datetime.now(dt.timezone.utc)
    resolve = resolve or (lambda _key, value: value)
    out = Filters()
    for text in queries:
        if not isinstance(text, str):
            raise _error("须为字符串", "fq must be a string")
        if len(text) > MAX_LENGTH:
            raise _error(f"不能超过 {MAX_LENGTH} 个字符", f"longer than {MAX_LENGTH} characters")
        tokens = _tokens(text)
        terms: list[tuple[str, list[tuple[str, str]], bool]] = []  # (sign, pairs, joined to previous by OR)
        sign, joined, i = "+", False, 0
        while i < len(tokens):
            kind, value = tokens[i]
            if kind == "sign":
                sign = value
                i += 1
                continue
            if kind == "op":
                if value in ("OR", "||"):
                    if not terms or sign == "-":
                        raise _error("OR 前后须是筛选条件", "OR must join two terms")
                    joined = True
                i += 1
                continue
            if kind == "all":
                i += 1
                sign, joined = "+", False
                continue
            if kind != "field":
                raise _error(f"“{value[:50]}”缺少字段名（应写作 字段:取值）", "a term is written field:value")
            if i + 1 >= len(tokens) or tokens[i + 1][0] in ("space", "op", "sign", "field"):
                raise _error(f"字段“{value[:50]}”后缺少取值", f"field {value[:50]!r} has no value")
            name, (value_kind, raw) = value, tokens[i + 1]
            i += 2
            if name in TIME_FIELDS:
                if value_kind != "range":
                    raise _error(f"“{name}”须用范围筛选，如 [2026-01-01T00:00:00Z TO *]",
                                 f"{name} is filtered by a range")
                if sign == "-" or joined:
                    raise _error(f"“{name}”的范围不能取反或与 OR 连用", f"a {name} range cannot be negated or ORed")
                out.modified = _intersect(out.modified, _range(raw, now))
                sign = "+"
                continue
            if value_kind == "range":
                raise _error(f"只有 {'、'.join(TIME_FIELDS)} 可以按范围筛选", "only times are filtered by range")
            values = _values(value_kind, raw)
            if (name, values[0].lower()) in ALWAYS and len(values) == 1:
                if sign == "-":
                    out.nothing = True
                sign, joined = "+", False
                continue
            if name in {n for n, _v in ALWAYS} and name not in CKAN_FIELDS and name not in facet_keys():
                if sign != "-":
                    out.nothing = True  # dataset_type:harvest and the like: no such dataset here
                sign, joined = "+", False
                continue
            key = _key_of(name)
            pairs = []
            for v in values:
                if v in ("", "*"):
                    raise _error(f"字段“{name}”的取值不能为空或通配符", f"field {name!r} needs a value")
                resolved = resolve(key, v)
                if resolved is not None:
                    pairs.append((key, resolved))
            if joined:
                previous_sign, previous, _ = terms[-1]
                if sign == "-":
                    raise _error("OR 之后的条件不能取反", "a term after OR cannot be negated")
                terms[-1] = (previous_sign, previous + pairs, True)
            else:
                terms.append((sign, pairs, False))
            sign, joined = "+", False
            if len(terms) > MAX_TERMS:
                raise _error(f"条件不能超过 {MAX_TERMS} 个", f"more than {MAX_TERMS} terms")
        if sign == "-" or joined:
            raise _error("末尾缺少筛选条件", "the query ends in an operator")
        for term_sign, pairs, _ in terms:
            if term_sign == "-":
                out.none_of += pairs
            elif pairs:
                out.any_of.append(tuple(pairs))
            else:
                out.nothing = True  # every value named something that does not exist here
    return out
