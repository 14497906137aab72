"""Demands: filing, routing and assigning, answering, matching with the catalog's entries, the demand catalog's
search and facets, its Excel export, and the overdue sweep. Every change goes through `DEMAND` (workflows.py)."""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app import catalog, indexing, notifications, sharing
from app.catalog import ENTRY, Entry, EntryStatus
from app.core.clock import today
from app.core.db import utcnow
from app.core.errors import InvalidInput, NotFound
from app.core.fields import text_field as _text
from app.extensions import db
from app.org import Department
from catalog_schema import Problem
from search.query import SearchQuery

from .models import ANSWERS, DEMAND_STATE_LABELS, URGENCY, Demand, DemandState
from .workflows import DEMAND

OPEN = (DemandState.unassigned, DemandState.awaiting, DemandState.registering)
AGES = {"week": ("7 天内", 7), "month": ("8–30 天", 30), "quarter": ("31–90 天", 90), "older": ("90 天以前", None)}
MAX_ITEMS = 100


def parse_items(text: str, problems: list) -> list[str]:
    """Data items, one per line or separated by 、，, ; (as people paste them)."""
    names = [n.strip() for n in re.split(r"[\n\r,，、;；]+", text or "") if n.strip()]
    names = list(dict.fromkeys(names))
    if len(names) > MAX_ITEMS:
        problems.append(Problem("items", "所需信息项", f"「所需信息项」最多 {MAX_ITEMS} 项", "too many items"))
    for name in names:
        if len(name) > 50:
            problems.append(Problem("items", "所需信息项", f"信息项“{name[:20]}…”超过 50 个字符", "item name too long"))
            break
    return names


def _department(value, key: str, label: str, problems: list) -> int | None:
    if value in (None, ""):
        return None
    try:
        department_id = int(value)
    except (TypeError, ValueError):
        department_id = None
    if department_id is None or db.session.get(Department, department_id) is None:
        problems.append(Problem(key, label, f"「{label}」不存在", f"{key} is not a department"))
        return None
    return department_id


# ---- filing and routing -------------------------------------------------------------------------------------

def file(user, values: dict) -> Demand:
    """登记需求: what is needed, from whom if known, why, under which law, how urgent."""
    problems: list[Problem] = []
    title = _text(values, "title", "需求名称", 200, problems, multiline=False)
    description = _text(values, "description", "需求说明", 2000, problems, required=False)
    items = parse_items(values.get("items") or "", problems)
    if not items:
        problems.append(Problem("items", "所需信息项", "请至少写一个所需的信息项", "list at least one data item"))
    purpose = _text(values, "purpose", "使用用途", 1000, problems)
    scenario = _text(values, "scenario", "应用场景", 1000, problems)
    basis = _text(values, "legal_basis", "法定职权依据", 500, problems, multiline=False)
    urgency = values.get("urgency") or "normal"
    if urgency not in URGENCY:
        problems.append(Problem("urgency", "紧急程度", "请选择「紧急程度」", "urgency is one of normal, urgent, critical"))
    target = _department(values.get("target_department"), "target_department", "目标部门", problems)
    if target is not None and target == user.department_id:
        problems.append(Problem("target_department", "目标部门", "目标部门不能是本部门", "the target is your own department"))
    DEMAND.check_create("file", actor=user, related=[{"requester": user.department_id, "target": target}])
    if problems:
        raise InvalidInput(problems)
    made: list[Demand] = []

    def insert(state: str) -> list[int]:
        demand = Demand(title=title, description=description, items=items, items_text="、".join(items),
                        requester_department_id=user.department_id,
                        target_department_id=target, purpose=purpose, scenario=scenario, legal_basis=basis,
                        urgency=urgency, state=DemandState(state), created_by_id=user.id)
        db.session.add(demand)
        db.session.flush()
        made.append(demand)
        return [demand.id]

    DEMAND.create("file", actor=user, related=[{"requester": user.department_id, "target": target}], insert=insert,
                  names=[title], departments=[user.department_id])
    demand = made[0]
    if target is None:
        DEMAND.fire_internal("route_authority", [demand], actor=user)
        _tell(notifications.users_with_roles(["authority_reviewer"]), demand, "assign",
              "共享需求待指派目标部门", f"{demand.requester_department.name}登记了需求“{title}”，请指派目标部门。")
    else:
        DEMAND.fire_internal("route_target", [demand], actor=user)
        _to_target(demand)
    return demand


def _set_due(demand: Demand, transition: str | None) -> None:
    if transition is None:
        demand.due_on, demand.due_provisional = None, False
        return
    due = DEMAND.due(transition, today())
    demand.due_on, demand.due_provisional = due.on, due.provisional


def _mark_late(demand: Demand) -> None:
    if demand.due_on is not None and today() > demand.due_on:
        demand.late = True


def _target_people(demand: Demand):
    roles = sorted({g.role for g in DEMAND.transition("answer_existing").grants if g.relation == "target"})
    return notifications.users_in_department(demand.target_department_id, roles)


def _requester_people(demand: Demand):
    roles = sorted({g.role for g in DEMAND.transition("withdraw").grants if g.relation == "requester"})
    people = notifications.users_in_department(demand.requester_department_id, roles)
    return people if any(p.id == demand.created_by_id for p in people) else [*people, demand.created_by_id]


def _to_target(demand: Demand) -> None:
    _set_due(demand, "route_target")
    _tell(_target_people(demand), demand, f"target:{demand.target_department_id}", f"共享需求待答复：{demand.title}",
          f"{demand.requester_department.name}需要“{demand.title}”（{'、'.join(demand.items[:10])}），"
          f"请于 {demand.due_on} 前答复。")


def _tell(people, demand: Demand, occasion: str, subject: str, body: str) -> None:
    notifications.notify(people, key=f"demand:{demand.id}:{occasion}", kind="demand", subject=subject, body=body,
                         link=current_app.url_map.bind("").build("demands.show", {"demand_id": demand.id}))


def assign(demand: Demand, user, target_department) -> None:
    """指派: the authority names the department that should answer (or names another one)."""
    problems: list[Problem] = []
    target = _department(target_department, "target_department", "目标部门", problems)
    if target is None and not problems:
        problems.append(Problem("target_department", "目标部门", "请选择目标部门", "choose a department"))
    if target is not None and target == demand.requester_department_id:
        problems.append(Problem("target_department", "目标部门", "目标部门不能是需求部门", "the target is the requester"))
    DEMAND.check("assign", demand, actor=user)
    if problems:
        raise InvalidInput(problems)
    DEMAND.fire("assign", demand, actor=user, note=db.session.get(Department, target).name)
    demand.target_department_id = target
    _to_target(demand)


# ---- answering ------------------------------------------------------------------------------------------------

def _target_entry(demand: Demand, entry_id, *, published: bool) -> Entry:
    try:
        entry = db.session.get(Entry, int(entry_id))
    except (TypeError, ValueError):
        entry = None
    if entry is None or entry.department_id != demand.target_department_id or entry.status == EntryStatus.retired \
            or (published and entry.status != EntryStatus.published):
        which = "已发布的" if published else ""
        raise InvalidInput([Problem("entry", "信息资源", f"请选择目标部门{which}信息资源", "choose an entry of the target")])
    return entry


def answer_existing(demand: Demand, user, entry_id, note: str = "") -> None:
    DEMAND.check("answer_existing", demand, actor=user)
    entry = _target_entry(demand, entry_id, published=True)
    problems: list[Problem] = []
    note = _text({"note": note}, "note", "答复说明", 1000, problems, required=False)
    if problems:
        raise InvalidInput(problems)
    _mark_late(demand)
    DEMAND.fire("answer_existing", demand, actor=user, note=f"{entry.resource_code} {note}".strip())
    _answered(demand, user, "existing", note, entry=entry)
    _tell(_requester_people(demand), demand, "answered", f"需求已有资源可满足：{demand.title}",
          f"{demand.target_department.name}答复：信息资源“{entry.published_version.name}”（{entry.resource_code}）"
          "可满足该需求，可在该资源页面申请共享。")


def answer_register(demand: Demand, user, note: str = "") -> None:
    problems: list[Problem] = []
    note = _text({"note": note}, "note", "答复说明", 1000, problems, required=False)
    DEMAND.check("answer_register", demand, actor=user)
    if problems:
        raise InvalidInput(problems)
    _mark_late(demand)
    DEMAND.fire("answer_register", demand, actor=user, note=note)
    _answered(demand, user, "register", note)
    _set_due(demand, "answer_register")
    demand.closed_on = None
    _tell(_requester_people(demand), demand, "register", f"需求将登记新资源：{demand.title}",
          f"{demand.target_department.name}将登记新的信息资源，预计 {demand.due_on} 前发布；发布后需求自动办结。")


def link_entry(demand: Demand, user, entry_id) -> None:
    """The new entry registered for the demand; if it is already published, the demand is satisfied now."""
    DEMAND.check("link_entry", demand, actor=user)
    entry = _target_entry(demand, entry_id, published=False)
    name = entry.current.name if entry.current else entry.resource_code
    DEMAND.fire("link_entry", demand, actor=user, note=f"{entry.resource_code} {name}")
    demand.entry_id = entry.id
    if entry.status == EntryStatus.published:
        _fulfil([demand], actor=user)


def answer_cannot(demand: Demand, user, reason: str, basis: str) -> None:
    problems: list[Problem] = []
    reason = _text({"reason": reason}, "reason", "无法提供的理由", 1000, problems, required=False)
    basis = _text({"basis": basis}, "basis", "依据", 500, problems, required=False, multiline=False)
    if problems:
        raise InvalidInput(problems)
    DEMAND.fire("answer_cannot", demand, actor=user, reason=reason, basis=basis)
    _mark_late(demand)
    _answered(demand, user, "cannot", reason)
    demand.answer_basis = basis
    _tell(_requester_people(demand), demand, "cannot", f"需求无法提供：{demand.title}",
          f"{demand.target_department.name}答复无法提供。理由：{reason}。依据：{basis}。")


def _answered(demand: Demand, user, answer: str, note: str | None, *, entry: Entry | None = None) -> None:
    demand.answer, demand.answer_note = answer, (note or None)
    demand.answered_by_id, demand.answered_at = user.id, utcnow()
    if entry is not None:
        demand.entry_id = entry.id
    if demand.state in (DemandState.satisfied, DemandState.refused):
        demand.closed_on = today()
        _set_due(demand, None)


@ENTRY.fired.connect
def _entry_published(transition: str, *, ids, actor=None, **_kwargs) -> None:
    """An entry registered for a demand is published: the demand is satisfied by itself."""
    if transition != "publish":
        return
    waiting = db.session.scalars(select(Demand).where(Demand.state == DemandState.registering,
                                                      Demand.entry_id.in_(list(ids)))).all()
    if waiting:
        _fulfil(waiting, actor=actor)


def _fulfil(demands: list[Demand], *, actor) -> None:
    DEMAND.fire_internal("fulfil", demands, actor=actor)
    for demand in demands:
        _mark_late(demand)
        demand.closed_on = today()
        _set_due(demand, None)
        entry = demand.entry or db.session.get(Entry, demand.entry_id)
        _tell(_requester_people(demand), demand, "fulfilled", f"需求已满足：{demand.title}",
              f"{demand.target_department.name}登记的信息资源“{entry.current.name if entry.current else ''}”"
              f"（{entry.resource_code}）已发布，可申请共享。")


def withdraw(demand: Demand, user) -> None:
    DEMAND.fire("withdraw", demand, actor=user)
    demand.closed_on = today()
    _set_due(demand, None)


# ---- matching supply and demand (供需对接) ---------------------------------------------------------------------

@dataclass
class Proposal:
    entry_id: int
    name: str
    resource_code: str
    department: str
    sharing_type: str
    matching: list[str] = field(default_factory=list)  # the demand's items the entry has


def proposals(demand: Demand, limit: int = 5) -> list[Proposal]:
    """Published entries that may satisfy the demand, from the search engine (its name and item names)."""
    text = " ".join([demand.title, *demand.items])[:100]
    result = indexing.backend().search(SearchQuery(text=text, any_term=True, per_page=limit + 5, public_only=False))
    wanted = set(demand.items)
    out = []
    for hit in result.hits:
        if hit.fields.get("department_id") == demand.requester_department_id:
            continue
        items = hit.fields.get("items") or []
        out.append(Proposal(hit.id, hit.fields.get("name") or "", hit.fields.get("resource_code") or "",
                            hit.fields.get("department") or "", hit.fields.get("sharing_type") or "",
                            [i for i in items if i in wanted]))
    out.sort(key=lambda p: -len(p.matching))
    return out[:limit]


def match(demand: Demand, user, entry_id) -> object:
    """转为共享申请: one step from a proposed entry to a share request for the items the demand needs."""
    DEMAND.check("match", demand, actor=user)
    entry = db.session.get(Entry, entry_id) if isinstance(entry_id, int) else None
    if entry is None or entry.status != EntryStatus.published or not catalog.policy.can_see_published(user, entry):
        raise InvalidInput([Problem("entry", "信息资源", "请选择推荐的已发布信息资源", "choose a proposed entry")])
    names = [i.get("name") for i in entry.published_version.data.get("data_items") or []]
    items = [n for n in names if n in demand.items] or names
    start = today()
    request = sharing.submit(entry, user, {
        "purpose": demand.purpose, "scenario": demand.scenario, "usage_scope": demand.requester_department.name,
        "period_from": start.isoformat(), "period_until": (start + dt.timedelta(days=365)).isoformat(),
        **{f"basis-{n}": demand.legal_basis for n in items}}, items)
    DEMAND.fire("match", demand, actor=user, note=f"{entry.resource_code} 共享申请第 {request.id} 号")
    demand.entry_id, demand.share_request_id, demand.answer = entry.id, request.id, "matched"
    demand.closed_on = today()
    _set_due(demand, None)
    return request


# ---- the demand catalog ----------------------------------------------------------------------------------------

FACETS = {"state": "状态", "requester": "需求部门", "target": "目标部门", "age": "提出时间"}


def _age_filter(age: str):
    """Demands filed within the bucket: 7 天内, 8–30 天, 31–90 天, or earlier."""
    bounds = {"week": (7, None), "month": (30, 7), "quarter": (90, 30), "older": (None, 90)}[age]
    now = dt.datetime.combine(today() + dt.timedelta(days=1), dt.time())
    newer_than, older_than = bounds
    condition = True
    if newer_than is not None:
        condition = Demand.created_at >= now - dt.timedelta(days=newer_than)
    if older_than is not None:
        cutoff = Demand.created_at < now - dt.timedelta(days=older_than)
        condition = cutoff if condition is True else (condition & cutoff)
    return condition


def _filtered(args: dict, skip: str | None = None):
    stmt = select(Demand)
    q = (args.get("q") or "").strip()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Demand.title.like(like), Demand.description.like(like), Demand.items_text.like(like)))
    if args.get("state") and skip != "state":
        stmt = stmt.where(Demand.state == DemandState(args["state"]))
    if args.get("requester") and skip != "requester":
        stmt = stmt.where(Demand.requester_department_id == args["requester"])
    if args.get("target") and skip != "target":
        stmt = stmt.where(Demand.target_department_id == args["target"])
    if args.get("age") and skip != "age":
        stmt = stmt.where(_age_filter(args["age"]))
    return stmt


@dataclass
class CatalogPage:
    rows: list
    total: int
    facets: dict  # key → [(value, label, count, selected)]


def catalog_page(args: dict, *, page: int = 1, per_page: int = 20) -> CatalogPage:
    """The demand catalog: search, facets (each counted with the other filters applied), newest first."""
    base = _filtered(args)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.scalars(base.options(joinedload(Demand.requester_department), joinedload(Demand.target_department))
                              .order_by(Demand.created_at.desc(), Demand.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    names = dict(db.session.execute(select(Department.id, Department.name)).all())
    facets: dict = {}
    for key, column in (("state", Demand.state), ("requester", Demand.requester_department_id),
                        ("target", Demand.target_department_id)):
        sub = _filtered(args, skip=key).subquery()
        counts = db.session.execute(select(getattr(sub.c, column.key), func.count()).group_by(getattr(sub.c, column.key))).all()
        values = []
        for value, n in counts:
            if value is None:
                continue
            code = value.value if isinstance(value, DemandState) else value
            label = DEMAND_STATE_LABELS.get(code) if key == "state" else names.get(code, str(code))
            values.append((str(code), label, n, str(args.get(key) or "") == str(code)))
        facets[key] = sorted(values, key=lambda v: -v[2])
    ages = []
    for age, (label, _days) in AGES.items():
        n = db.session.scalar(select(func.count()).select_from(_filtered(args, skip="age").where(_age_filter(age)).subquery()))
        if n:
            ages.append((age, label, n, args.get("age") == age))
    facets["age"] = ages
    return CatalogPage(rows, total, facets)


def export(args: dict) -> bytes:
    """The demand catalog (as filtered) as an Excel workbook."""
    from openpyxl import Workbook

    rows = db.session.scalars(_filtered(args).options(joinedload(Demand.requester_department),
                                                      joinedload(Demand.target_department))
                              .order_by(Demand.created_at.desc(), Demand.id.desc())
                              .limit(current_app.config["EXPORT_MAX_ENTRIES"])).all()
    book = Workbook()
    sheet = book.active
    sheet.title = "需求目录"
    sheet.append(["编号", "需求名称", "所需信息项", "需求部门", "目标部门", "使用用途", "应用场景", "法定职权依据",
                  "紧急程度", "状态", "答复", "答复说明", "提出日期", "答复期限", "办结日期"])
    for d in rows:
        sheet.append([d.id, _cell(d.title), _cell("、".join(d.items)), d.requester_department.name,
                      d.target_department.name if d.target_department else "", _cell(d.purpose), _cell(d.scenario),
                      _cell(d.legal_basis), d.urgency_label, d.state_label, ANSWERS.get(d.answer or "", ""),
                      _cell(d.answer_note or ""), d.created_at.date().isoformat() if d.created_at else "",
                      d.due_on.isoformat() if d.due_on else "", d.closed_on.isoformat() if d.closed_on else ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(text: str) -> str:
    """A person's text in a cell, never a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def overview(on: dt.date | None = None) -> list[dict]:
    """Per target department: open demands, overdue ones, and those it could not meet (the authority's list)."""
    day = on or today()
    rows: dict[int, dict] = {}
    for target, state, due_on in db.session.execute(
            select(Demand.target_department_id, Demand.state, Demand.due_on).where(Demand.target_department_id.is_not(None))):
        row = rows.setdefault(target, {"open": 0, "overdue": 0, "refused": 0, "satisfied": 0})
        if state in OPEN:
            row["open"] += 1
            row["overdue"] += bool(due_on and due_on < day)
        elif state == DemandState.refused:
            row["refused"] += 1
        elif state == DemandState.satisfied:
            row["satisfied"] += 1
    names = dict(db.session.execute(select(Department.id, Department.name)).all())
    unassigned = db.session.scalar(select(func.count(Demand.id)).where(Demand.state == DemandState.unassigned)) or 0
    out = [{"department_id": d, "department": names.get(d, str(d)), **r} for d, r in rows.items()]
    out.sort(key=lambda r: (-r["overdue"], -r["open"], r["department"]))
    return [{"department_id": None, "department": "（待指派）", "open": unassigned, "overdue": 0, "refused": 0,
             "satisfied": 0}] * bool(unassigned) + out


def sweep(on: dt.date | None = None) -> int:
    """Overdue demands (an answer or a registration past its deadline): the target and the authority told once."""
    day = on or today()
    overdue = db.session.scalars(select(Demand).where(Demand.state.in_([DemandState.awaiting, DemandState.registering]),
                                                      Demand.due_on < day)).all()
    sent = 0
    authority = notifications.users_with_roles(["authority_reviewer"])
    for demand in overdue:
        people = [*_target_people(demand), *authority]
        sent += notifications.notify(
            people, key=f"demand:{demand.id}:overdue:{demand.state.value}", kind="deadline.overdue",
            subject=f"共享需求已逾期：{demand.title}",
            body=(f"{demand.target_department.name}对{demand.requester_department.name}的需求“{demand.title}”"
                  f"（{DEMAND_STATE_LABELS[demand.state.value]}）已超过期限 {demand.due_on}。逾期情况计入年度考核。"),
            link=current_app.url_map.bind("").build("demands.show", {"demand_id": demand.id}))
    return sent


def get_or_404(demand_id: int) -> Demand:
    demand = db.session.get(Demand, demand_id)
    if demand is None:
        raise NotFound("未找到该共享需求", "demand not found")
    return demand


def candidates_for_link(demand: Demand) -> list[Entry]:
    """The target department's entries a new registration may be (not retired), newest first."""
    return db.session.scalars(select(Entry).where(Entry.department_id == demand.target_department_id,
                                                  Entry.status != EntryStatus.retired)
                              .order_by(Entry.id.desc()).limit(50)).all()

