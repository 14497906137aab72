"""The catalog's workflows, declared as data: an entry (信息资源) and each of its versions (版本).

An entry is registered as a draft, reviewed by its department and then by the authority, and published; a
published entry is revised as a new version while the published one stays visible; an entry can be retired.
The review stage is part of a version's state, so "publish a version still in department review" is not a
transition that exists. `app/review` keeps the record of each review step by following these transitions.
"""
from __future__ import annotations

from app.core.legal import basis
from app.workflow import Grant, Guard, Relation, State, Transition, Workflow
from catalog_schema import Problem, control_character, control_character_message

from .models import ENTRY_STATUS_LABELS, VERSION_STATE_LABELS, Entry, EntryStatus, EntryVersion, VersionState

# 有条件共享、不予共享须报主管部门认定 (Zhengzhou §15)
CONFIRM_TYPES = ("conditional", "not_shared")

EDITORS = (Grant("editor", "own"), Grant("admin"))
DEPARTMENT_REVIEWERS = (Grant("department_reviewer", "own"), Grant("admin"))
AUTHORITY = (Grant("authority_reviewer"), Grant("admin"))

ZHENGZHOU_15 = basis("郑州", 15) + "：有条件共享、不予共享的资源报主管部门认定"
SHANDONG_15 = basis("山东", 15) + "：部门指定目录登记和审核人员"
BAOJI_10 = basis("宝鸡", 10) + "：部门规范目录编制、审核、提交、更新"


def needs_confirmation(data: dict) -> bool:
    """Conditional and non-shared entries are published only after the authority confirms the classification."""
    return data.get("sharing_type") in CONFIRM_TYPES


def _text(context: dict, key: str, label: str, limit: int, why: str) -> list[Problem]:
    value = (context.get(key) or "").strip()
    if not value:
        return [Problem(key, label, f"「{label}」为必填项：{why}", f"{key} is required")]
    if len(value) > limit:
        return [Problem(key, label, f"「{label}」不能超过 {limit} 个字符", f"{key} is longer than {limit}")]
    character = control_character(value, multiline=True)
    if character:  # whatever the edge (form, import, command): never stored
        return [Problem(key, label, control_character_message(label, character),
                        f"{key} contains an invisible control character")]
    return []


def _comment_given(_version, context):
    return _text(context, "comment", "退回意见", 2000, "请写明需要修改的内容")


def _confirmed(version, context):
    if needs_confirmation(version.data) and not context.get("confirm"):
        return [Problem("confirm", "确认共享类型",
                        "「确认共享类型」须勾选：有条件共享、不予共享的资源须由主管部门确认后方可发布",
                        "the authority must confirm a conditional or not_shared classification")]
    return []


def _publish_reason(_version, context):
    return _text(context, "reason", "直接发布原因", 1000, "不经审核直接发布须写明原因，记入审计日志")


def _retire_reason(_entry, context):
    return _text(context, "reason", "停用原因", 1000, "请写明停用的原因")


def _entry_name(entry: Entry) -> str:
    version = entry.published_version or entry.draft_version
    return f"{entry.resource_code} {version.name if version is not None else ''}".strip()


ENTRY = Workflow(
    key="entry",
    label="信息资源",
    description="一条目录信息资源的整体状态：登记后为未发布，首个版本发布后为已发布，停用后退出各目录（代码不再使用）。",
    model=Entry,
    state_attr="status",
    state_enum=EntryStatus,
    states=tuple(State(key, label, final=key == "retired") for key, label in ENTRY_STATUS_LABELS.items()),
    relations={"own": Relation("本部门", lambda entry: entry.department_id)},
    describe=_entry_name,
    audit_department=lambda entry: entry.department_id,
    audit_details=lambda entry: {"entry": entry.id},
    transitions=(
        Transition("create", "登记", (), "draft", EDITORS, basis=SHANDONG_15),
        Transition("publish", "发布", ("draft", "published"), "published",
                   fired_by="信息资源的某个版本发布"),
        Transition("retire", "停用", ("draft", "published"), "retired",
                   (Grant("editor", "own"), Grant("department_reviewer", "own"), *AUTHORITY),
                   guards=(Guard("reason", "须写明停用原因", _retire_reason),)),
        Transition("report_update", "登记数据更新", ("published",), None,
                   (Grant("editor", "own"), Grant("department_reviewer", "own"), Grant("admin")), basis=BAOJI_10),
    ),
)


def _version_name(version: EntryVersion) -> str:
    return f"{version.entry.resource_code} {version.name} 第 {version.number} 版"


VERSION = Workflow(
    key="entry_version",
    label="信息资源版本",
    description=("信息资源的每一次登记或修订是一个版本：草稿提交后先经本部门审核，再经主管部门审核后发布；"
                 "任一环节可退回修改，审核中可撤回。已发布资源的修订在发布前不影响门户中的现行发布版。"),
    model=EntryVersion,
    state_attr="state",
    state_enum=VersionState,
    states=tuple(State(key, label, final=key in ("superseded", "discarded"))
                 for key, label in VERSION_STATE_LABELS.items()),
    relations={"own": Relation("本部门", lambda version: version.entry.department_id)},
    describe=_version_name,
    audit_department=lambda version: version.entry.department_id,
    audit_details=lambda version: {"entry": version.entry_id, "version": version.number},
    transitions=(
        Transition("create", "登记或修订（新建版本）", (), "draft", EDITORS, basis=SHANDONG_15),
        Transition("edit", "修改草稿", ("draft", "returned"), None, EDITORS),
        Transition("submit", "提交审核", ("draft", "returned"), "department_review", EDITORS, basis=BAOJI_10),
        Transition("withdraw", "撤回提交", ("department_review", "authority_review"), "draft", EDITORS),
        Transition("approve_department", "部门审核通过", ("department_review",), "authority_review",
                   DEPARTMENT_REVIEWERS, basis=SHANDONG_15),
        Transition("return_department", "部门审核退回", ("department_review",), "returned", DEPARTMENT_REVIEWERS,
                   guards=(Guard("comment", "须写明退回意见", _comment_given),)),
        Transition("approve_authority", "主管部门审核通过并发布", ("authority_review",), "published", AUTHORITY,
                   guards=(Guard("confirm", "有条件共享、不予共享须勾选确认共享类型", _confirmed),),
                   basis=ZHENGZHOU_15),
        Transition("return_authority", "主管部门审核退回", ("authority_review",), "returned", AUTHORITY,
                   guards=(Guard("comment", "须写明退回意见", _comment_given),)),
        Transition("publish_directly", "不经审核直接发布", ("draft", "returned"), "published", (Grant("admin"),),
                   guards=(Guard("reason", "须写明直接发布的原因（记入审计日志）", _publish_reason),)),
        Transition("supersede", "被新版本取代", ("published",), "superseded",
                   fired_by="同一信息资源的新版本发布"),
        Transition("discard", "作废", ("draft", "returned", "department_review", "authority_review"), "discarded",
                   fired_by="信息资源停用"),
    ),
)

#: which version transition a review decision fires, by the version's review state
APPROVE = {"department_review": "approve_department", "authority_review": "approve_authority"}
RETURN = {"department_review": "return_department", "authority_review": "return_authority"}

__all__ = ["APPROVE", "CONFIRM_TYPES", "ENTRY", "RETURN", "VERSION", "needs_confirmation"]
