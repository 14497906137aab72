"""Excel import and export services: a validated, idempotent, all-or-nothing bulk edit of the catalog.

`check` is the dry run: every row goes through the same schema and service checks as the web form
(`catalog.check_create` / `check_update`), nothing is written. `import_file` runs the dry run and, when it is
clean, writes it through the same services as the form in one short transaction, or changes nothing. Rows with
a resource code update that entry (unchanged rows are left alone: re-importing a file changes nothing); rows
without one create entries. Jobs run both in the background (`jobs`); exports write any search (`exports`).
"""
from .applying import apply, import_file
from .checking import (Cancelled, Report, check, check_entries, limits, reading_reference, reference, summary,
                       write_report, write_template)
from .exports import export, export_rows, matching_export_ids
from .jobs import (cancel, can_import, discard, get_job_or_404, heartbeat, is_silent, job_actions, jobs_of, may_manage,
                   queue_commit, reap_stale_jobs, report_path, rerun, run_check, run_commit, start, uploads_dir)

__all__ = ["Cancelled", "Report", "apply", "can_import", "cancel", "check", "check_entries", "discard", "export",
           "export_rows", "get_job_or_404", "heartbeat", "import_file", "is_silent", "job_actions", "jobs_of", "limits", "matching_export_ids", "may_manage",
           "queue_commit", "reading_reference", "reap_stale_jobs", "reference", "report_path", "rerun", "run_check",
           "run_commit", "start", "summary", "uploads_dir", "write_report", "write_template"]
