"""Reading another registry through CKAN's Action API (`ckanapi.RemoteCKAN`): paged listings and single packages.

Nothing here touches the database: a run fetches first (no transaction open while the network is slow), then
applies what it fetched in one transaction (see `services.run_source`).

Paging is by modification time, as a keyset: each page asks for ``metadata_modified:[<last time seen> TO *]``
sorted ascending, skipping (``start``) only the packages of that same second already seen. A package changed while
the listing runs moves to the end and is seen again; nothing slips between two pages, as it would with plain
offsets. Times are compared to the second, the resolution every CKAN-compatible index answers ranges in.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator

import requests
from ckanapi import RemoteCKAN
from ckanapi.errors import (
    CKANAPIError,
    NotAuthorized,
    NotFound,
    ServerIncompatibleError,
)

log = logging.getLogger(__name__)

SORT = "metadata_modified asc"


class SourceError(Exception):
    """The source could not be read (network, refusal, an answer that is not CKAN's): the run fails.
    `message` is Chinese, for the run report."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotCkanAnswer(SourceError):
    """The source answered, but not with CKAN's envelope (an HTML page, a list, an envelope without a result)."""


class ListingRefused(SourceError):
    """The source answered a listing call with a CKAN error (e.g. an old CKAN without paging arguments)."""


@dataclasses.dataclass
class Listing:
    """Packages found by a listing, by name (the latest copy of each); names of every package when the listing
    covered the whole catalog; problems with single packages; whether the page limit cut it short."""

    packages: dict[str, dict] = dataclasses.field(default_factory=dict)
    names: set[str] = dataclasses.field(default_factory=set)
    problems: list[dict] = dataclasses.field(default_factory=list)
    truncated: bool = False
    high_water: dt.datetime | None = None  # the largest metadata_modified of the listing


def parse_time(value) -> dt.datetime | None:
    """A CKAN time ("2026-01-02T03:04:05.123456", maybe with Z or an offset) as naive UTC; None if it is none."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def solr_time(moment: dt.datetime) -> str:
    """A range bound as Solr (and our API) reads it, to the second: 2026-01-02T03:04:05Z."""
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def package_label(package, position: int | None = None) -> str:
    """How a problem line names a package: its name, else its id, else its place in the answer."""
    if isinstance(package, dict):
        for key in ("name", "id", "title"):
            value = package.get(key)
            if isinstance(value, (str, int)) and str(value).strip():
                return str(value).strip()[:200]
    return f"第 {position + 1} 条" if position is not None else "（未命名）"


class Client:
    """One source's Action API, with the run's limits."""

    def __init__(self, url: str, *, token: str | None, timeout: float, page_size: int, max_pages: int,
                 user_agent: str):
        self.url = url.rstrip("/")
        self.token = token or None
        self.timeout = timeout
        self.page_size = page_size
        self.max_pages = max_pages
        self.ckan = RemoteCKAN(self.url, apikey=self.token, user_agent=user_agent)
        self.requests = 0

    def close(self) -> None:
        self.ckan.close()

    # ---- one call ---------------------------------------------------------------------------------------

    def call(self, action: str, *, gone_ok: bool = False, **arguments):
        """One action's result; SourceError when the source cannot be reached, refuses, or does not answer as CKAN
        does (ListingRefused for a CKAN error other than these). With `gone_ok`, NotFound and NotAuthorized pass
        through (a package that is gone, or no longer ours to see)."""
        self.requests += 1
        try:
            return self.ckan.call_action(action, arguments, requests_kwargs={"timeout": self.timeout})
        except NotFound:
            if gone_ok:
                raise
            raise SourceError(f"来源没有 {action} 接口（404）：地址是否为 CKAN 兼容目录的首页地址？") from None
        except NotAuthorized:
            if gone_ok:
                raise
            raise SourceError(f"来源拒绝了 {action} 请求（无权访问：API 令牌无效、过期或已撤销？）") from None
        except requests.Timeout:
            raise SourceError(f"访问来源超时（{self.timeout:g} 秒内无答复）：{self.url}") from None
        except requests.RequestException as error:
            raise SourceError(f"无法连接来源 {self.url}：{type(error).__name__}") from None
        except ServerIncompatibleError:
            raise NotCkanAnswer(f"来源对 {action} 的答复不是 CKAN 接口格式") from None
        except CKANAPIError as error:
            text = str(error)
            if text.startswith(("['http", '["http')):  # ckanapi's "not an envelope" repr
                raise NotCkanAnswer(f"来源对 {action} 的答复不是 CKAN 接口格式（地址是否为 CKAN 兼容目录？）") from None
            raise ListingRefused(f"来源拒绝了 {action} 请求：{text[:300]}") from None
        except (KeyError, TypeError, ValueError, AttributeError):  # an envelope with success but no result, say
            raise NotCkanAnswer(f"来源对 {action} 的答复不是 CKAN 接口格式") from None

    # ---- listings -----------------------------------------------------------------------------------------

    def search_pages(self, since: dt.datetime | None) -> Iterator[list]:
        """package_search pages of everything modified since `since` (everything when None), oldest first."""
        cursor = since.replace(microsecond=0) if since is not None else None
        offset = 0
        for _page in range(self.max_pages):
            arguments = {"sort": SORT, "rows": self.page_size, "start": offset}
            if cursor is not None:
                arguments["fq"] = f"metadata_modified:[{solr_time(cursor)} TO *]"
            if self.token:
                arguments["include_private"] = True
            result = self.call("package_search", **arguments)
            if not isinstance(result, dict) or not isinstance(result.get("results"), list):
                raise NotCkanAnswer("来源对 package_search 的答复中没有检索结果（results）")
            results = result["results"]
            yield results
            if len(results) < self.page_size:
                return
            last = _second(results[-1])
            if last is None:
                offset += len(results)  # no usable time: page on by offset
            elif cursor is None or last > cursor:
                cursor, offset = last, sum(1 for p in results if _second(p) == last)
            else:  # a whole page within one second: move on inside it
                offset += len(results)
        raise _Truncated

    def listing(self, since: dt.datetime | None) -> Listing:
        """Every package modified since `since` (the whole catalog when None), with problems for packages that
        are not packages; `truncated` when the page limit stopped it (what it found is a consistent prefix)."""
        out = Listing()
        try:
            for results in self.search_pages(since):
                self._take(results, out)
        except _Truncated:
            out.truncated = True
        return out

    def _take(self, results: list, out: Listing) -> None:
        for position, package in enumerate(results):
            problem = package_problem(package)
            if problem:
                out.problems.append({"package": package_label(package, position), "message": problem})
                continue
            if package.get("state", "active") not in ("active", None):
                continue  # a draft or deleted package a CKAN listed anyway: not in the catalog
            name = package["name"].strip()
            out.names.add(name)
            modified = parse_time(package.get("metadata_modified"))
            kept = out.packages.get(name)
            if kept is None or (modified or dt.datetime.min) >= (parse_time(kept.get("metadata_modified"))
                                                                 or dt.datetime.min):
                out.packages[name] = package
            if modified is not None and (out.high_water is None or modified > out.high_water):
                out.high_water = modified

    def names(self) -> set[str] | None:
        """Every package name the source lists (package_list, paged by limit/offset); None when the page limit
        stopped the listing. An old CKAN answers the whole list at once and ignores the paging: a page that adds
        no new name ends the listing. CKAN lists public datasets only: a private one read with a token is missing
        here, and the run checks it with package_show."""
        names: set[str] = set()
        for page in range(self.max_pages):
            arguments = {"limit": self.page_size, "offset": page * self.page_size}
            if self.token:  # our registry lists its government catalog then; a CKAN that refuses it is listed whole
                arguments["include_private"] = True
            result = self.call("package_list", **arguments)
            if not isinstance(result, list):
                raise NotCkanAnswer("来源对 package_list 的答复不是名称列表")
            fresh = {n.strip() for n in result if isinstance(n, str) and n.strip()} - names
            names |= fresh
            if len(result) < self.page_size or not fresh:
                return names
        return None

    def show(self, name: str) -> dict | None:
        """One package as the source has it now; None when it is gone (not found, not ours to see, not active).
        PackageProblem when the answer is not a package (the run notes it and leaves the record as it is)."""
        try:
            package = self.call("package_show", gone_ok=True, id=name)
        except (NotFound, NotAuthorized):
            return None
        except (ListingRefused, NotCkanAnswer) as error:
            raise PackageProblem(error.message) from None
        if not isinstance(package, dict):
            raise PackageProblem("来源对 package_show 的答复不是数据集")
        if package.get("state", "active") != "active":
            return None
        problem = package_problem(package)
        if problem:
            raise PackageProblem(problem)
        return package


class PackageProblem(Exception):
    """One package's answer could not be taken: a problem line naming it, not a failed run."""


class _Truncated(Exception):
    """The page limit (HARVEST_MAX_PAGES) was reached."""


def _second(package) -> dt.datetime | None:
    moment = parse_time(package.get("metadata_modified")) if isinstance(package, dict) else None
    return moment.replace(microsecond=0) if moment is not None else None


def package_problem(package) -> str | None:
    """Why a search result cannot be taken as a package (None: it can)."""
    if not isinstance(package, dict):
        return "来源返回的条目不是数据集（不是 JSON 对象）"
    name = package.get("name")
    if not isinstance(name, str) or not name.strip():
        return "来源返回的数据集没有名称（name）"
    if len(name.strip()) > 200:
        return "来源返回的数据集名称（name）超过 200 个字符"
    modified = package.get("metadata_modified")
    if modified not in (None, "") and parse_time(modified) is None:
        return f"来源返回的数据集修改时间（metadata_modified）“{str(modified)[:40]}”无法识别"
    return None
