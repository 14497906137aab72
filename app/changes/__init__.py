"""Change tracking (目录更新与期限): change events and each department's update task, quarterly maintenance,
department contacts, freshness reminders and the dashboards. What other modules may use."""
from . import policy
from .models import Attestation, ChangeEvent, ChangeTask, ChangeTaskLink, TaskState
from .reminders import SweepResult, sweep
from .services import (attest, close, department_desk, link, open_task_count, overview, period_of, record_event,
                       register_contacts, reopen, status_of)
from .tasks import init_app, run_sweep
from .views import bp
from .workflows import CHANGE_EVENT, CHANGE_TASK, CONTACT, MAINTENANCE

__all__ = ["CHANGE_EVENT", "CHANGE_TASK", "CONTACT", "MAINTENANCE", "Attestation", "ChangeEvent", "ChangeTask",
           "ChangeTaskLink", "SweepResult", "TaskState", "attest", "bp", "close", "department_desk", "init_app",
           "link", "open_task_count", "overview", "period_of", "policy", "record_event", "register_contacts", "reopen",
           "run_sweep", "status_of", "sweep"]
