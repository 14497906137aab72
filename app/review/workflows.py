"""The review record's workflow (审核记录): one row per review step, following the version workflow.

Every transition here is the system's: it fires when a version is submitted, approved, returned, withdrawn or
discarded (app/catalog/workflows.py holds who may do those). The record keeps who asked and who decided, the
reasons a reviewer should look closely, and the comment of a return.
"""
from __future__ import annotations

from app.workflow import Deadline, Relation, State, Transition, Workflow

from .models import REVIEW_STATE_LABELS, Review, ReviewState

REVIEW = Workflow(
    key="review",
    label="审核记录",
    description="版本每进入一个审核环节（部门审核、主管部门审核）生成一条审核记录，记录审核结果、审核人和意见。",
    model=Review,
    state_attr="state",
    state_enum=ReviewState,
    states=tuple(State(key, label, final=key != "pending") for key, label in REVIEW_STATE_LABELS.items()),
    relations={"own": Relation("本部门", lambda review: review.department_id)},
    describe=lambda review: f"{review.entry.resource_code} 第 {review.version.number} 版{review.stage.label}",
    audit_department=lambda review: review.department_id,
    audit_details=lambda review: {"entry": review.entry_id, "version": review.version.number,
                                  "stage": review.stage.value},
    transitions=(
        Transition("open", "进入审核环节", (), "pending", fired_by="版本提交审核或通过部门审核",
                   deadline=Deadline("review_step_days", "每个审核环节应在此期限（工作日）内处理，逾期在审核队列中标出",
                                     working_days=True)),
        Transition("approve", "审核通过", ("pending",), "approved", fired_by="版本通过该环节的审核"),
        Transition("return", "审核退回", ("pending",), "returned", fired_by="版本在该环节被退回"),
        Transition("cancel", "撤销", ("pending",), "cancelled", fired_by="提交被撤回或信息资源停用"),
    ),
)
