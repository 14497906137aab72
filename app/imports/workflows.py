"""The import job's workflow (Excel 导入任务): upload, dry run, confirmation, import — and failure, rerun, discard.

The uploader (or an admin) confirms, reruns and discards; the background worker moves the job through its
checks and its import. A worker that dies mid-job stops sending its heartbeat, and the worker that notices
fails the job with the reason, so it can be rerun: nothing was written, the import being one transaction.
"""
from __future__ import annotations

from app.workflow import Grant, Guard, Relation, State, Transition, Workflow
from catalog_schema import Problem

from .models import JOB_STATE_LABELS, ImportJob, JobState

UPLOADER = (Grant("editor", "uploader"), Grant("admin"))


def _clean(job, _context):
    if job.report.get("problems") or job.report.get("rejected"):
        return [Problem("file", "文件", "只有校验无误的文件才能导入：请修改后重新上传",
                        "only a file whose dry run is clean can be imported")]
    return []


IMPORT_JOB = Workflow(
    key="import_job",
    label="Excel 导入任务",
    description=("上传的工作簿先在后台逐行校验（试运行，不写入）；校验无误后由上传者确认，后台一次性导入（全部成功或不做任何修改）。"
                 "后台处理进程意外中止的任务标记为失败并说明原因，可重新运行或放弃。"),
    model=ImportJob,
    state_attr="state",
    state_enum=JobState,
    states=tuple(State(key, label, final=key in ("done", "discarded")) for key, label in JOB_STATE_LABELS.items()),
    relations={"uploader": Relation("上传者本人", lambda job: job.user_id, of_user=True)},
    describe=lambda job: f"{job.filename}（第 {job.id} 号导入）",
    audit_department=lambda job: job.user.department_id if job.user is not None else None,
    audit_details=lambda job: {"import_job": job.id, "file": job.filename},
    transitions=(
        Transition("upload", "上传", (), "queued", (Grant("editor"), Grant("admin"))),
        Transition("start_check", "开始校验", ("queued",), "checking", fired_by="后台处理进程接手校验"),
        Transition("finish_check", "校验完成", ("checking",), "checked", fired_by="后台校验结束"),
        Transition("confirm", "确认导入", ("checked",), "commit_queued", UPLOADER,
                   guards=(Guard("clean", "校验无误的文件才能导入", _clean),)),
        Transition("start_commit", "开始导入", ("commit_queued",), "committing", fired_by="后台处理进程接手导入"),
        Transition("finish_commit", "导入完成", ("committing",), "done", fired_by="导入事务提交"),
        Transition("recheck", "须重新校验", ("committing",), "checked",
                   fired_by="导入时发现目录在校验后有变化（什么也没有写入）"),
        Transition("cancel", "取消", ("checking", "committing"), "cancelled",
                   fired_by="上传者请求取消后，后台处理进程停下并撤销"),
        Transition("fail", "失败", ("queued", "checking", "commit_queued", "committing"), "failed",
                   fired_by="处理出错，或后台处理进程意外中止"),
        Transition("rerun", "重新运行", ("failed", "cancelled"), "queued", UPLOADER),
        Transition("discard", "放弃", ("checked", "failed", "cancelled"), "discarded", UPLOADER),
    ),
)
