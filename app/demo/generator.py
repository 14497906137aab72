"""The demo catalog of the fictional 示例市: departments, classification, users and published entries.

Everything goes through the same services as the web forms and the Excel import (one write path): entries are
registered in batches, submitted, approved by the department and published by the authority, so the demo has
the review records a real catalog has. Deterministic: the same `entries` and `seed` always give the same
catalog, so tests and benchmarks can rely on it.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import pathlib
import random
from dataclasses import dataclass
from typing import Callable, Iterator

import yaml
from flask import current_app
from sqlalchemy import func, select

from app import catalog
from app.accounts import Role, User, create_user
from app.catalog import BaseRef, DraftEdit, Entry, RegistryLookups, load_classification
from app.core.db import transaction
from app.extensions import db
from app.org import Department, load_departments

log = logging.getLogger(__name__)

# libyaml's C loader when PyYAML was built with it (it is, from PyPI wheels): ~10x faster on big files
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DATA = pathlib.Path(__file__).with_name("data")
DEFAULT_SEED = 20261121
DEMO_PASSWORD = "demo-pass-2026"

# Demo accounts: (username, display name, role, department code or None for the authority)
DEMO_USERS = [
    ("admin", "平台管理员", Role.admin, "001"),
    ("authority", "主管部门审核员", Role.authority_reviewer, "001"),
    ("editor", "公安局编目员", Role.editor, None),
    ("reviewer", "公安局审核员", Role.department_reviewer, None),
    ("responder", "公安局信息共享责任人", Role.responder, None),
    ("seeker", "民政局用户", Role.seeker, None),
]
EDITOR_DEPARTMENT = "市公安局"
SEEKER_DEPARTMENT = "市民政局"

# Variants that turn one template into many distinct entries for bulk (benchmark) catalogs.
VARIANT_SCOPES = ["东城区", "西城区", "南湖区", "北山县", "高新区", "经开区", "滨江新区"]
VARIANT_YEARS = list(range(2016, 2027))
VARIANT_KINDS = ["", "历史数据", "统计汇总", "变更记录", "归档数据"]


@dataclass(frozen=True)
class Template:
    department_code: str
    raw: dict


def load_templates() -> list[Template]:
    data = yaml.load((DATA / "resources.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    return [Template(str(block["department"]), resource)
            for block in data for resource in block["resources"]]


GENERIC_BIGRAMS = {"管理", "服务", "信息", "监测", "资源", "数据", "市场", "公共", "企业", "社会", "单位", "项目"}


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} - GENERIC_BIGRAMS


@functools.cache
def topic_nodes() -> tuple[tuple[str, frozenset[str]], ...]:
    """The topic class's 目 nodes (主题信息资源类) with the bigrams of their names."""
    import csv
    with open(DATA / "classification.csv", encoding="utf-8") as f:
        return tuple((row["code"], frozenset(_bigrams(row["name"]))) for row in csv.DictReader(f)
                     if row["code"].startswith("2") and len(row["code"]) == 6)


def topics_for(category: str, name: str) -> list[str]:
    """Cross-list a basic or department entry in the topic whose name shares most words with its own (主题目录)."""
    if category.startswith("2"):
        return []
    words = _bigrams(name)
    best = max(topic_nodes(), key=lambda node: (len(node[1] & words), node[0]))
    return [best[0]] if best[1] & words else []


def template_values(template: Template, department: Department, name: str) -> dict:
    """Turn a template into the values a person would type into the entry form."""
    raw = template.raw
    fmt = list(raw["format"]) + [None, None]
    method = list(raw.get("method") or []) + [None, None]
    category = raw["category"]
    items = []
    for item in raw.get("items") or []:
        item = list(item) + [None] * 5
        items.append({
            "name": item[0], "data_type": item[1], "length": "" if item[2] is None else str(item[2]),
            "basic_item": item[3] == "basic", "sharing_type": item[4],
        })
    category_code = department.category_code if category == "dept" else str(category)
    return {
        "category_code": category_code,
        "topic_codes": topics_for(category_code, raw["name"]),
        "name": name,
        "provider": department.id,
        "provider_unit": raw.get("unit"),
        "source_system": raw.get("system"),
        "summary": raw["summary"],
        "format_category": fmt[0],
        "format_type": fmt[1],
        "format_note": fmt[2],
        "sharing_type": raw["sharing"],
        "sharing_condition": raw.get("condition"),
        "non_sharing_basis": raw.get("basis"),
        "sharing_method_category": method[0],
        "sharing_method_type": method[1],
        "sensitivity": raw.get("sensitivity") or [],
        "open_to_public": bool(raw.get("open")),
        "open_condition": raw.get("open_condition"),
        "update_cycle": raw["cycle"],
        "network": "external",
        "data_items": items,
    }


def _variant_name(name: str, number: int) -> str:
    """The number-th distinct variant of a template name (number 0 is the template itself)."""
    if number == 0:
        return name
    n = number - 1
    kind = VARIANT_KINDS[n % len(VARIANT_KINDS)]
    n //= len(VARIANT_KINDS)
    year = VARIANT_YEARS[n % len(VARIANT_YEARS)]
    n //= len(VARIANT_YEARS)
    scope = VARIANT_SCOPES[n % len(VARIANT_SCOPES)]
    n //= len(VARIANT_SCOPES)
    suffix = f"（{n + 1}）" if n else ""
    base = f"{scope}{name}"
    tail = f"（{year}年{kind}）{suffix}" if kind else f"（{year}年）{suffix}"
    return (base[: 50 - len(tail)] + tail)


def plan(templates: list[Template], entries: int, seed: int) -> Iterator[tuple[Template, str]]:
    """Which template and name each demo entry gets: every template once, then variants, in a seeded order."""
    rng = random.Random(seed)
    order = list(templates)
    rng.shuffle(order)
    produced = 0
    variant = 0
    while produced < entries:
        for template in order:
            if produced >= entries:
                return
            yield template, _variant_name(template.raw["name"], variant)
            produced += 1
        variant += 1


def is_empty() -> bool:
    return not db.session.scalar(select(func.count(Entry.id)))


def load_reference_data() -> None:
    """Classification tree, departments (with their catalog nodes) and the demo accounts."""
    with transaction():
        load_classification(DATA / "classification.csv")
        load_departments(DATA / "departments.csv")
    with transaction():
        by_name = {d.name: d for d in db.session.scalars(select(Department))}
        for username, display_name, role, code in DEMO_USERS:
            if db.session.scalar(select(User).where(User.username == username)):
                continue
            if code is None:
                code = by_name[EDITOR_DEPARTMENT if role != Role.seeker else SEEKER_DEPARTMENT].code
            create_user(username=username, display_name=display_name, roles=[role.value], department_code=code,
                        password=DEMO_PASSWORD)


def generate(entries: int, *, seed: int = DEFAULT_SEED, batch: int = 200,
             progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Create `entries` published entries (a few with pending revisions, a few retired), in batches."""
    admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    authority_id = db.session.scalar(select(User.id).where(User.username == "authority"))
    codes = set(db.session.scalars(select(Department.code)))
    templates = [t for t in load_templates() if t.department_code in codes]
    rng = random.Random(seed + 1)
    lookups = RegistryLookups()
    stats = {"published": 0, "revised": 0, "retired": 0}
    pending = list(plan(templates, entries, seed))
    for start in range(0, len(pending), batch):
        with transaction():
            admin, authority = db.session.get(User, admin_id), db.session.get(User, authority_id)
            departments = {d.code: d for d in db.session.scalars(select(Department))}
            values = [template_values(t, departments[t.department_code], name) for t, name in pending[start:start + batch]]
            checked = [catalog.check_create(v, user=admin, lookups=lookups) for v in values]
            made = catalog.entries_by_id(catalog.create_entries(checked, user=admin))
            catalog.submit(made, user=admin, note="示例市目录首次编制")
            catalog.approve(made, user=admin)  # the department stage (the admin stands in for 61 reviewers)
            catalog.approve(made, user=authority, confirm=True)
            stats["published"] += len(made)
            revise, retire = [], []
            for entry, entry_values in zip(made, values):
                roll = rng.random()
                if roll < 0.03:
                    revise.append(DraftEdit(entry, {**entry_values, "summary": entry_values["summary"] + "（拟补充近三年数据）"},
                                            BaseRef.of(entry.base_version)))
                elif roll < 0.04:
                    retire.append(entry)
            catalog.save_drafts(revise, user=admin, change_note="季度维护：补充数据范围", lookups=lookups)
            if retire:
                catalog.retire(retire, user=admin, reason="职能调整，该资源已并入其他信息资源")
            stats["revised"] += len(revise)
            stats["retired"] += len(retire)
        db.session.expunge_all()
        if progress:
            progress(min(batch, len(pending) - start))
    return stats


__all__ = ["DATA", "DEFAULT_SEED", "DEMO_PASSWORD", "DEMO_USERS", "generate", "generate_deadlines", "generate_requests", "is_empty", "load_reference_data"]


# ---- deadlines: a change event, contacts and a maintenance attestation, relative to today ----------------------

DEMO_CONTACTS = {
    "市公安局": {"leader": ("刘振华", "副局长", "0991-6231001", "liuzh@gaj.demo.gov.cn"),
                 "sharing_officer": ("陈静", "科技信息化处副处长", "13899120601", "chenj@gaj.demo.gov.cn"),
                 "technical": ("赵磊", "信息中心工程师", "0991-6231066", "zhaol@gaj.demo.gov.cn")},
    "市民政局": {"leader": ("孙丽", "副局长", "0991-6232001", "sunl@mzj.demo.gov.cn"),
                 "sharing_officer": ("周强", "办公室主任", "13899120702", "zhouq@mzj.demo.gov.cn")},
}


def generate_deadlines() -> None:
    """What the 期限 pages show on a fresh demo: contacts registered, this quarter attested by 公安局, and a
    change event effective a few weeks ago that 公安局 answered on time and 民政局 has let run past its deadline,
    plus one recorded today that is still running."""
    from app import changes, workdays
    from app.core.clock import today

    day, fixed = today(), current_app.config.get("TODAY")
    with transaction():
        authority = db.session.scalar(select(User).where(User.username == "authority"))
        editor = db.session.scalar(select(User).where(User.username == "editor"))
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        by_name = {d.name: d for d in db.session.scalars(select(Department))}
        for name, roles in DEMO_CONTACTS.items():
            values = {"changed_on": (day - dt.timedelta(days=2)).isoformat()}  # reported in time
            for role, (person, position, phone, email) in roles.items():
                values.update({f"{role}-name": person, f"{role}-position": position, f"{role}-phone": phone,
                               f"{role}-email": email})
            changes.register_contacts(by_name[name].id, admin, values)
        police, civil = by_name[EDITOR_DEPARTMENT], by_name[SEEKER_DEPARTMENT]
        effective = day - dt.timedelta(days=35)
        past = changes.record_event(authority, {
            "kind": "law_revision", "title": "《示例市流动人口服务管理条例》修订",
            "legal_source": "示例市人民代表大会常务委员会公告〔2026〕第9号",
            "effective_on": effective.isoformat(),
            "description": "新增居住证积分与随迁子女入学信息的登记要求。"}, [police.id, civil.id])
        police_task = next(t for t in past.tasks if t.department_id == police.id)
        # 公安局 answered six working days after the change took effect: the clock is set to that day for it
        current_app.config["TODAY"] = workdays.add_working_days(effective, 6, provisional_ok=True)
        try:
            changes.close(police_task, editor, "已核对：本部门居住证相关信息资源的数据项已覆盖新增要求，无需修订。")
        finally:
            current_app.config["TODAY"] = fixed
        changes.record_event(authority, {
            "kind": "function_change", "title": "养老服务监管职责划入市民政局",
            "legal_source": "示例市机构编制委员会办公室〔2026〕15号", "effective_on": day.isoformat()},
            [civil.id, by_name["市卫生健康委员会"].id] if "市卫生健康委员会" in by_name else [civil.id])
        start, _end = changes.period_of(day)
        changes.attest(police.id, editor, period_start=start.isoformat(), note="已逐条核对本部门目录。")


def generate_requests() -> None:
    """What the 共享 and 需求目录 pages show on a fresh demo: a share request waiting for an answer (公安局's if it
    has a conditional entry), a demand
    addressed to 公安局 and one waiting for the authority to assign it."""
    from app import demands, sharing
    from app.core.clock import today

    day = today()
    with transaction():
        seeker = db.session.scalar(select(User).where(User.username == "seeker"))
        by_name = {d.name: d for d in db.session.scalars(select(Department))}
        police = by_name[EDITOR_DEPARTMENT]
        published = db.session.scalars(select(Entry).where(Entry.department_id != seeker.department_id,
                                                           Entry.status == catalog.EntryStatus.published)
                                       .order_by(Entry.department_id != police.id, Entry.id).limit(500)).all()
        entry = next((e for e in published if e.published_version.data.get("sharing_type") == "conditional"), None)
        if entry is not None:
            names = [i["name"] for i in entry.published_version.data.get("data_items") or []][:2]
            sharing.submit(entry, seeker, {
                "purpose": "最低生活保障对象家庭经济状况核对", "scenario": "低保审批时核验申请人身份与户籍",
                "usage_scope": "市民政局社会救助科", "period_from": day.isoformat(),
                "period_until": (day + dt.timedelta(days=365)).isoformat(),
                **{f"basis-{n}": "《社会救助暂行办法》第十一条" for n in names}}, names)
        demands.file(seeker, {"title": "低保申请人名下机动车登记信息", "items": "姓名、公民身份号码、号牌号码、车辆类型",
                              "purpose": "核对低保申请家庭财产状况", "scenario": "低保审批入户调查前比对",
                              "legal_basis": "《社会救助暂行办法》第十一条", "urgency": "urgent",
                              "target_department": str(police.id)})
        demands.file(seeker, {"title": "困难群众医疗费用支出信息", "items": "姓名、公民身份号码、年度自付医疗费用",
                              "purpose": "支出型贫困家庭认定", "scenario": "救助对象认定",
                              "legal_basis": "《社会救助暂行办法》第二十八条", "urgency": "normal"})
