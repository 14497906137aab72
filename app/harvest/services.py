"""Docking services: sources (登记、修改、暂停、恢复、立即对接), the harvest run, the schedule, and the reads the
pages need. Every change of a source or a run goes through its workflow (workflows.py), checked and audited.

A run, in three steps (see `run_source`):

1. **claim** (one small transaction): a `running` run row. A partial unique index allows one running run per
   source, so two workers never harvest one source at once; a run left running longer than
   HARVEST_RUN_STALE_MINUTES (its process died) is failed first.
2. **fetch** (no transaction open): the packages modified since the high-water mark (a little before it:
   HARVEST_OVERLAP_SECONDS), then the source's names for removals, checking one by one (package_show) the few
   records that are missing or new to us — or, when they are many or the source cannot list names, the whole
   catalog again. A network error, a refusal, or an answer that is not CKAN's fails the run here.
3. **apply** (one transaction): records added, updated, restored and removed, the run's report and the new
   high-water mark, and the index messages, committed together — or, on any error, nothing of it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import audit, outbox
from app.core.db import transaction, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.fields import text_field
from app.extensions import db
from catalog_schema import Problem, control_character

from . import client as remote
from . import documents
from .mapping import record_fields
from .models import (
    SCHEDULES,
    HarvestedEntry,
    HarvestRun,
    HarvestSource,
    RunState,
    SourceState,
)
from .workflows import HARVEST_RUN, HARVEST_SOURCE

log = logging.getLogger(__name__)

START_TOPIC = "harvest.start"
LABELS = {"name": "来源名称", "url": "来源地址", "schedule": "对接频率", "api_token": "API 令牌"}
NO_RELATION: list[dict] = [{}]


# ---- sources --------------------------------------------------------------------------------------------------

def normalize_url(raw, problems: list, *, key: str = "url", label: str = LABELS["url"]) -> str:
    """The base address of a registry (http(s)://host[:port][/path], no trailing slash), or a problem naming the
    field: the only addresses this app ever contacts are the ones admins configure this way."""
    text = ("" if raw is None else str(raw)).strip()
    if not text:
        problems.append(Problem(key, label, f"「{label}」为必填项", f"{key} is required"))
        return ""
    if len(text) > 500:
        problems.append(Problem(key, label, f"「{label}」不能超过 500 个字符", f"{key} is too long"))
        return text
    if control_character(text, multiline=False) or any(c.isspace() for c in text):
        problems.append(Problem(key, label, f"「{label}」不能包含空格或控制字符", f"{key} holds spaces or controls"))
        return text
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a port that is not a number in range
    except ValueError:
        problems.append(Problem(key, label, f"「{label}」“{text[:60]}”不是有效的网址（端口或格式有误）",
                                f"{key} is not a valid URL"))
        return text
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        problems.append(Problem(key, label, f"「{label}」须以 http:// 或 https:// 开头，如 https://data.example.gov.cn",
                                f"{key} must be an http(s) URL"))
        return text
    if not parts.hostname:
        problems.append(Problem(key, label, f"「{label}」缺少主机名，如 https://data.example.gov.cn",
                                f"{key} has no host"))
        return text
    if parts.username or parts.password:
        problems.append(Problem(key, label, f"「{label}」不能包含用户名或密码（令牌请填在「{LABELS['api_token']}」中）",
                                f"{key} must not carry credentials"))
        return text
    if parts.query or parts.fragment or "?" in text or "#" in text:
        problems.append(Problem(key, label, f"「{label}」应为目录网站的首页地址，不能带查询参数（?…）或锚点（#…）",
                                f"{key} must not have a query or fragment"))
        return text
    path = parts.path.rstrip("/")
    if "/api/" in f"{path}/" and path.split("/api", 1)[0] + "/api" in path:
        problems.append(Problem(key, label, f"「{label}」应为目录网站的首页地址，不含 /api/…（如 https://data.example.gov.cn）",
                                f"{key} is the site's address, not its API's"))
        return text
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"{scheme}://{host}{f':{port}' if port is not None else ''}{path}"


def _token(values: dict, problems: list) -> str | None:
    token = ("" if values.get("api_token") is None else str(values.get("api_token"))).strip()
    if not token:
        return None
    label = LABELS["api_token"]
    if len(token) > 500:
        problems.append(Problem("api_token", label, f"「{label}」不能超过 500 个字符", "api_token is too long"))
    elif any(c.isspace() for c in token) or control_character(token, multiline=False) or not token.isprintable():
        problems.append(Problem("api_token", label, f"「{label}」不能包含空格或控制字符", "api_token holds spaces"))
    return token


def _source_values(values: dict, problems: list, *, source: HarvestSource | None = None) -> dict:
    name = text_field(values, "name", LABELS["name"], 200, problems, multiline=False)
    url = normalize_url(values.get("url"), problems)
    schedule = (values.get("schedule") or "").strip()
    if schedule not in SCHEDULES:
        problems.append(Problem("schedule", LABELS["schedule"], f"请选择「{LABELS['schedule']}」（"
                                + "、".join(label for label, _ in SCHEDULES.values()) + "）",
                                "schedule is one of " + ", ".join(SCHEDULES)))
    token = _token(values, problems)
    others = select(HarvestSource.id)
    if source is not None:
        others = others.where(HarvestSource.id != source.id)
    if name and not any(p.path == "name" for p in problems) and db.session.scalar(
            others.where(HarvestSource.name == name).limit(1)):
        problems.append(Problem("name", LABELS["name"], f"已有名为“{name}”的对接来源", "name is taken"))
    if url and not any(p.path == "url" for p in problems) and db.session.scalar(
            others.where(HarvestSource.url == url).limit(1)):
        problems.append(Problem("url", LABELS["url"], f"地址 {url} 已登记为对接来源", "url is taken"))
    return {"name": name, "url": url, "schedule": schedule, "api_token": token}


def register_source(values: dict, *, user) -> HarvestSource:
    """登记对接来源: a registry to harvest (name, address, schedule, optionally an API token of the source)."""
    HARVEST_SOURCE.check_create("register", actor=user, related=NO_RELATION)
    problems: list[Problem] = []
    fields = _source_values(values, problems)
    if problems:
        raise InvalidInput(problems)
    return _create(fields, user=user, transition="register")


def _create(fields: dict, *, user, transition: str) -> HarvestSource:
    made: list[HarvestSource] = []

    def insert(state: str) -> list[int]:
        source = HarvestSource(**fields, state=SourceState(state), created_by_id=getattr(user, "id", None))
        db.session.add(source)
        db.session.flush()
        made.append(source)
        return [source.id]

    HARVEST_SOURCE.create(transition, actor=user, related=NO_RELATION, insert=insert, names=[fields["name"]],
                          details=[{"url": fields["url"], "schedule": fields["schedule"],
                                    "token": bool(fields.get("api_token"))}],
                          internal=transition != "register")
    return made[0]


def update_source(source: HarvestSource, values: dict, *, user) -> HarvestSource:
    """修改对接来源. A blank token keeps the one stored; `clear_token` removes it."""
    HARVEST_SOURCE.check("edit", source, actor=user)
    problems: list[Problem] = []
    fields = _source_values(values, problems, source=source)
    if problems:
        raise InvalidInput(problems)
    if fields["api_token"] is None and not values.get("clear_token"):
        fields["api_token"] = source.api_token
    changed = [LABELS[k] for k in ("name", "url", "schedule", "api_token") if getattr(source, k) != fields[k]]
    HARVEST_SOURCE.fire("edit", source, actor=user, note="、".join(changed) or "无变化")
    if fields["url"] != source.url:
        source.high_water_mark = None  # another registry: the next run reads it whole
    for key, value in fields.items():
        setattr(source, key, value)
    source.updated_at = utcnow()
    return source


def pause(source: HarvestSource, *, user) -> None:
    """暂停定时对接 (an admin may still run it at once)."""
    HARVEST_SOURCE.fire("pause", source, actor=user)
    source.updated_at = utcnow()


def resume(source: HarvestSource, *, user) -> None:
    """恢复定时对接."""
    HARVEST_SOURCE.fire("resume", source, actor=user)
    source.updated_at = utcnow()


def request_run(source: HarvestSource, *, user, full: bool = False) -> None:
    """立即对接: the worker runs the source soon (a job started through the outbox after this commit)."""
    HARVEST_SOURCE.check("run", source, actor=user)
    if running_run(source.id) is not None:
        raise Conflict(f"“{source.name}”正在对接中，请等本次对接结束后再试", "a run of this source is in progress")
    HARVEST_SOURCE.fire("run", source, actor=user, note="全量对接" if full else "增量对接")
    outbox.emit(START_TOPIC, f"harvest_source:{source.id}",
                {"source_id": source.id, "full": bool(full), "trigger": "manual", "user_id": user.id})


def source_for_url(url: str, *, name: str | None = None, token: str | None = None) -> tuple[HarvestSource, bool]:
    """The command line's source: the one registered at this address, or a new one (named `name`, or after the
    address's host); a token given replaces the stored one. (source, created)."""
    problems: list[Problem] = []
    url = normalize_url(url, problems, key="source_url", label="来源地址 SOURCE_URL")
    token_value = _token({"api_token": token}, problems) if token is not None else None
    if problems:
        raise InvalidInput(problems)
    source = db.session.scalar(select(HarvestSource).where(HarvestSource.url == url))
    if source is not None:
        if token_value is not None and token_value != source.api_token:
            source.api_token = token_value
            source.updated_at = utcnow()
            audit.record("harvest_source.token", source, summary=f"命令行更换对接来源的 API 令牌：{source.name}",
                         details={"source": source.id})
        return source, False
    name = (name or "").strip() or f"{urlsplit(url).hostname} 目录"
    fields = _source_values({"name": name, "url": url, "schedule": "manual", "api_token": token_value}, problems)
    if problems:
        raise InvalidInput(problems)
    return _create(fields, user=None, transition="register_by_command"), True


# ---- the run --------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Fetched:
    """What step 2 found: packages by name, the names the source has now (None: unknown, no removals this run),
    names to leave as they are (their answer was a problem), problem lines and the new high-water mark."""

    packages: dict[str, dict]
    names: set[str] | None
    keep: set[str]
    problems: list[dict]
    high_water: dt.datetime | None


def running_run(source_id: int) -> HarvestRun | None:
    return db.session.scalar(select(HarvestRun).where(HarvestRun.source_id == source_id,
                                                      HarvestRun.state == RunState.running))


def run_source(source_id: int, *, full: bool = False, trigger: str = "schedule", actor=None) -> HarvestRun | None:
    """对接一次: harvest one source (see the module's docstring). Returns the finished run, or None when another run
    of the source is in progress. Never raises for what the source answers: a failed run says why."""
    run_id = _claim(source_id, full=full, trigger=trigger, actor=actor)
    if run_id is None:
        return None
    try:
        fetched = _fetch(run_id)
    except remote.SourceError as error:
        _fail(run_id, error.message)
    except Exception as error:  # a fault of ours: the run must not stay "running"
        log.exception("harvest run %s: fetching failed", run_id)
        _fail(run_id, f"内部错误：{type(error).__name__}：{str(error)[:300]}")
    else:
        try:
            _apply(run_id, fetched)
        except Exception as error:
            log.exception("harvest run %s: applying failed", run_id)
            _fail(run_id, f"写入汇聚结果时出错，本次未写入任何条目：{type(error).__name__}：{str(error)[:300]}",
                  fetched.problems)
    db.session.rollback()
    return db.session.get(HarvestRun, run_id)


def _stale_before() -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=current_app.config["HARVEST_RUN_STALE_MINUTES"])


def _claim(source_id: int, *, full: bool, trigger: str, actor) -> int | None:
    try:
        with transaction():
            source = db.session.get(HarvestSource, source_id)
            if source is None:
                raise NotFound("未找到该对接来源", "no such harvest source")
            running = running_run(source_id)
            if running is not None:
                if running.started_at > _stale_before():
                    return None
                HARVEST_RUN.fire_internal("abandon", [running], actor=None)
                running.finished_at = utcnow()
                running.error = (f"运行超过 {current_app.config['HARVEST_RUN_STALE_MINUTES']} 分钟仍未结束，"
                                 "视为中断（处理进程可能已退出）；本次未写入任何条目")
                db.session.flush()
            since = None if full else source.high_water_mark
            made: list[HarvestRun] = []

            def insert(state: str) -> list[int]:
                run = HarvestRun(source_id=source.id, state=RunState(state), full=since is None, trigger=trigger,
                                 started_by_id=getattr(actor, "id", None), since=since, problems=[], changes={},
                                 started_at=utcnow())
                db.session.add(run)
                db.session.flush()
                made.append(run)
                return [run.id]

            HARVEST_RUN.create("start", actor=actor, related=NO_RELATION, insert=insert, names=[source.name],
                               internal=True, note="全量对接" if since is None else "增量对接")
            return made[0].id
    except IntegrityError:  # another worker claimed it first (the one-running-run index)
        db.session.rollback()
        return None


def _client(source_url: str, token: str | None) -> remote.Client:
    config = current_app.config
    return remote.Client(source_url, token=token, timeout=config["HARVEST_TIMEOUT_SECONDS"],
                         page_size=config["HARVEST_PAGE_SIZE"], max_pages=config["HARVEST_MAX_PAGES"],
                         user_agent=f"gov-catalog-harvester/1 (+{config['PORTAL_URL']})")


def _fetch(run_id: int) -> Fetched:
    run = db.session.get(HarvestRun, run_id)
    url, token, since, full = run.source.url, run.source.api_token, run.since, run.full
    active = set(db.session.scalars(select(HarvestedEntry.remote_name).where(
        HarvestedEntry.source_id == run.source_id, HarvestedEntry.removed_at.is_(None))))
    db.session.rollback()  # no transaction open while the network answers
    client = _client(url, token)
    try:
        return fetch(client, since=None if full else since, active=active)
    finally:
        client.close()


def fetch(client: remote.Client, *, since: dt.datetime | None, active: set[str]) -> Fetched:
    """Step 2 (the network only): what changed since `since` (everything when None), and which names the source
    has now, given the names of the records still active here."""
    config = current_app.config
    overlap = dt.timedelta(seconds=config["HARVEST_OVERLAP_SECONDS"])
    listing = client.listing(since - overlap if since is not None else None)
    out = Fetched(packages=dict(listing.packages), names=None, keep=set(), problems=list(listing.problems),
                  high_water=listing.high_water)
    if listing.truncated:
        out.problems.append({"package": "", "message": f"已达单次对接的页数上限（{config['HARVEST_MAX_PAGES']} 页 × "
                                                       f"{config['HARVEST_PAGE_SIZE']} 条），其余变更在下次对接时继续"})
    if since is None:
        out.names = None if listing.truncated else set(listing.names)
    else:
        out.names = _names_checked(client, out, active, limit=config["HARVEST_MAX_CONFIRM"])
        if out.names is None:  # many differences, or no name listing: the whole catalog again
            whole = client.listing(None)
            out.packages.update(whole.packages)  # fetched later: the newer copies
            out.problems += [p for p in whole.problems if p not in out.problems]
            out.names = None if whole.truncated else set(whole.names)
    if out.names is None:
        out.problems.append({"package": "", "message": "未能取得来源的完整目录（已达页数上限），本次未核对来源已撤销的条目"})
    return out


def _names_checked(client: remote.Client, out: Fetched, active: set[str], *, limit: int) -> set[str] | None:
    """The source's names (package_list), with each difference from ours checked by package_show: a record missing
    from the list is removed only when the source says it is gone; a name new to us is fetched. None when the
    differences exceed `limit` or the source does not list names (the caller lists everything instead)."""
    try:
        names = client.names()
    except remote.ListingRefused:
        return None
    if names is None:
        return None
    missing = active - names - out.packages.keys()
    unknown = names - active - out.packages.keys()
    if len(missing) + len(unknown) > limit:
        return None
    for name in sorted(missing | unknown):
        try:
            package = client.show(name)
        except remote.PackageProblem as problem:
            out.problems.append({"package": name, "message": str(problem)})
            out.keep.add(name)
            continue
        if package is None:
            names.discard(name)
            continue
        names.add(name)
        shown = package["name"].strip()
        names.add(shown)
        out.packages[shown] = package
    return names


def _apply(run_id: int, fetched: Fetched) -> None:
    """Step 3: every change of the run in one transaction (records, report, high-water mark, index messages)."""
    with transaction():
        run = db.session.get(HarvestRun, run_id)
        source = run.source
        now = utcnow()
        known = db.session.execute(select(HarvestedEntry.id, HarvestedEntry.remote_name, HarvestedEntry.remote_id,
                                          HarvestedEntry.removed_at)
                                   .where(HarvestedEntry.source_id == source.id)).all()
        by_name = {row.remote_name: row.id for row in known}
        by_remote_id = {row.remote_id: row.id for row in known}
        # a package keeps its record by the source's id (a dataset renamed there), else by name
        matched: dict[str, int | None] = {}  # package name → the record it updates (None: a new record)
        taken: set[int] = set()
        for name in sorted(fetched.packages):
            record_id = by_remote_id.get(_remote_id(fetched.packages[name]))
            if record_id is not None and record_id not in taken:
                matched[name] = record_id
                taken.add(record_id)
        for name in sorted(set(fetched.packages) - set(matched)):
            record_id = by_name.get(name)
            matched[name] = record_id if record_id is not None and record_id not in taken else None
            if record_id is not None:
                taken.add(record_id)
        records = _load([i for i in matched.values() if i is not None])
        added, updated, unchanged, new = [], [], 0, []
        for name, record_id in matched.items():
            fields = record_fields(fetched.packages[name], anonymous=not source.api_token)
            if record_id is None:
                new.append(HarvestedEntry(source_id=source.id, first_harvested_at=now, last_harvested_at=now,
                                          **fields))
                continue
            record = records[record_id]
            restored = record.removed_at is not None
            changed = any(getattr(record, key) != value for key, value in fields.items())
            for key, value in fields.items():
                setattr(record, key, value)
            record.last_harvested_at, record.removed_at = now, None
            if restored:
                added.append(record.id)
            elif changed:
                updated.append(record.id)
            else:
                unchanged += 1
        db.session.add_all(new)
        db.session.flush()
        added += [record.id for record in new]
        removed = []
        if fetched.names is not None:
            removed = [row.id for row in known if row.removed_at is None and row.id not in taken
                       and row.remote_name not in fetched.names and row.remote_name not in fetched.keep]
            for start in range(0, len(removed), 1000):
                db.session.execute(update(HarvestedEntry).where(HarvestedEntry.id.in_(removed[start:start + 1000]))
                                   .values(removed_at=now), execution_options={"synchronize_session": False})
        run.added, run.updated, run.removed, run.unchanged = len(added), len(updated), len(removed), unchanged
        run.problems = fetched.problems
        run.errors = len(fetched.problems)
        run.changes = {"added": added, "updated": updated, "removed": removed}
        run.finished_at = utcnow()
        HARVEST_RUN.fire_internal("succeed", [run], actor=None, note=run.summary())
        if fetched.high_water is not None and (source.high_water_mark is None
                                               or fetched.high_water > source.high_water_mark):
            source.high_water_mark = fetched.high_water
        documents.emit(added + updated + removed)


def _remote_id(package: dict) -> str:
    return record_fields(package, anonymous=True)["remote_id"]


def _load(ids: list[int]) -> dict[int, HarvestedEntry]:
    out: dict[int, HarvestedEntry] = {}
    for start in range(0, len(ids), 1000):
        out.update((r.id, r) for r in db.session.scalars(
            select(HarvestedEntry).where(HarvestedEntry.id.in_(ids[start:start + 1000]))))
    return out


def _fail(run_id: int, message: str, problems: list[dict] | None = None) -> None:
    db.session.rollback()
    with transaction():
        run = db.session.get(HarvestRun, run_id)
        run.error = message[:4000]
        run.problems = list(problems or [])
        run.errors = len(run.problems)
        run.finished_at = utcnow()
        HARVEST_RUN.fire_internal("fail", [run], actor=None, note=message[:200])


# ---- the schedule ---------------------------------------------------------------------------------------------

SCHEDULE_SLACK = dt.timedelta(minutes=5)  # the hourly sweep starts a few seconds late or early: still due


def due_sources(now: dt.datetime | None = None) -> list[int]:
    """Active sources whose schedule says a run is due (none running), oldest run first."""
    now = now or utcnow()
    last = dict(db.session.execute(select(HarvestRun.source_id, func.max(HarvestRun.started_at))
                                   .group_by(HarvestRun.source_id)).all())
    busy = set(db.session.scalars(select(HarvestRun.source_id).where(HarvestRun.state == RunState.running)))
    due = []
    for source in db.session.scalars(select(HarvestSource).where(HarvestSource.state == SourceState.active)
                                     .order_by(HarvestSource.id)):
        interval = SCHEDULES.get(source.schedule, ("", None))[1]
        if interval is None or source.id in busy:
            continue
        started = last.get(source.id)
        if started is None or started + interval - SCHEDULE_SLACK <= now:
            due.append((started or dt.datetime.min, source.id))
    return [source_id for _started, source_id in sorted(due)]


# ---- reads for the pages --------------------------------------------------------------------------------------

def get_source_or_404(source_id: int) -> HarvestSource:
    source = db.session.get(HarvestSource, source_id)
    if source is None:
        raise NotFound("未找到该对接来源", "no such harvest source")
    return source


def get_run_or_404(run_id: int) -> HarvestRun:
    run = db.session.get(HarvestRun, run_id)
    if run is None:
        raise NotFound("未找到该对接记录", "no such harvest run")
    return run


def get_record_or_404(record_id: int) -> HarvestedEntry:
    record = db.session.scalar(select(HarvestedEntry).options(joinedload(HarvestedEntry.source))
                               .where(HarvestedEntry.id == record_id))
    if record is None:
        raise NotFound("未找到该信息资源或页面", "not found")
    return record


def overview() -> list[dict]:
    """Each source with its last run and how many of its records are in the catalog (and removed)."""
    sources = db.session.scalars(select(HarvestSource).order_by(HarvestSource.name)).all()
    last_ids = dict(db.session.execute(select(HarvestRun.source_id, func.max(HarvestRun.id))
                                       .group_by(HarvestRun.source_id)).all())
    runs = {r.id: r for r in db.session.scalars(select(HarvestRun).where(HarvestRun.id.in_(list(last_ids.values()))))}
    counts = {(source_id, removed): n for source_id, removed, n in db.session.execute(
        select(HarvestedEntry.source_id, HarvestedEntry.removed_at.is_not(None), func.count())
        .group_by(HarvestedEntry.source_id, HarvestedEntry.removed_at.is_not(None)))}
    return [{"source": s, "last_run": runs.get(last_ids.get(s.id)), "records": counts.get((s.id, False), 0),
             "removed": counts.get((s.id, True), 0)} for s in sources]


def runs_of(source: HarvestSource, limit: int = 50) -> list[HarvestRun]:
    return db.session.scalars(select(HarvestRun).where(HarvestRun.source_id == source.id)
                              .order_by(HarvestRun.id.desc()).limit(limit)).all()


def records_by_id(ids) -> dict[int, HarvestedEntry]:
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(select(HarvestedEntry).where(HarvestedEntry.id.in_(ids)))}
