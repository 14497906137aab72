"""The web and command-line edge of Excel import and export, and its background jobs (Huey).
What other modules may use."""
from . import tasks
from .models import ImportJob, JobState
from .queue import queue as job_queue
from .services import (can_import, check, export, import_file, matching_export_ids, reap_stale_jobs, summary,
                       write_report, write_template)
from .views import bp
from .workflows import IMPORT_JOB

__all__ = ["IMPORT_JOB", "ImportJob", "JobState", "bp", "can_import", "check", "export", "import_file", "job_queue",
           "matching_export_ids", "reap_stale_jobs", "summary", "tasks", "write_report", "write_template"]
