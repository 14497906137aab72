"""The import page and its background jobs (a real Huey worker thread), the export link and the commands."""
import io
import re
import time

import openpyxl
import pytest
from sqlalchemy import func, select

from app.catalog.models import Entry, EntryVersion
from app.extensions import db
from app.imports import queue as jobs
from app.imports.models import ImportJob, JobState
from app.workflow import firing
from tests.catalog.test_views import token
from tests.imports.test_import_services import column_of, edited_export, export, row_of
from tests.portal.test_portal import login


@pytest.fixture
def editor_client(client, published):
    editor, entries = published
    login(client, editor)
    return client, entries


def upload(client, path, name="目录.xlsx"):
    page = client.get("/imports/").get_data(as_text=True)
    data = {"csrf_token": token(page), "file": (io.BytesIO(path.read_bytes()), name)}
    response = client.post("/imports/", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def wait(client, job_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = client.get(f"/imports/{job_id}/progress.json").get_json()
        if not data["running"]:
            return data
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_upload_with_errors_shows_the_report_and_an_annotated_copy(editor_client, worker, tmp_path):
    client, entries = editor_client
    path = edited_export(tmp_path, entries, {(entries[1].resource_code, "更新周期"): "每小时"})
    job_id = upload(client, path)
    assert wait(client, job_id)["state"] == "checked"
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "发现 1 处问题，未导入任何内容" in html and "每小时" in html and 'id="commit-form"' not in html
    with client.get(f"/imports/{job_id}/report.xlsx") as report:
        assert report.status_code == 200
        annotated = openpyxl.load_workbook(io.BytesIO(report.data))
    sheet = annotated["信息资源"]
    cell = sheet.cell(row_of(sheet, entries[1].resource_code), column_of(sheet, "更新周期"))
    assert cell.comment is not None and "每小时" in cell.comment.text


def test_clean_upload_is_imported_in_the_background_and_submitted_for_review(editor_client, worker, tmp_path):
    client, entries = editor_client
    path = edited_export(tmp_path, entries, {(entries[0].resource_code, "信息资源摘要"): "批量修改的摘要。"})
    job_id = upload(client, path)
    wait(client, job_id)
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert 'id="clean"' in page and 'data-count="changed">1<' in page
    assert client.post(f"/imports/{job_id}/commit", data={"csrf_token": token(page)}).status_code == 302
    assert wait(client, job_id)["state"] == "done"
    assert "导入完成：新增 0，修改 1，已提交审核" in client.get(f"/imports/{job_id}").get_data(as_text=True)
    entry = db.session.get(Entry, entries[0].id)
    assert entry.draft_version.data["summary"] == "批量修改的摘要。" and entry.draft_version.state.value == "department_review"


def test_a_job_survives_a_reload_and_keeps_its_result(editor_client, worker, tmp_path):
    client, entries = editor_client
    job_id = upload(client, export(tmp_path, entries))
    wait(client, job_id)
    for _ in range(2):
        assert "校验通过：共 5 条" in client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "目录.xlsx" in client.get("/imports/").get_data(as_text=True)


def test_a_cancelled_job_writes_nothing(app, published, tmp_path, monkeypatch):
    from app.imports import services
    editor, entries = published
    with firing():  # a job as the upload leaves it (without starting its task)
        job = ImportJob(user_id=editor.id, filename="x.xlsx", stored_as="x.xlsx", state=JobState.queued, report={})
    db.session.add(job)
    db.session.commit()
    export(tmp_path, entries).rename(services.uploads_dir() / "x.xlsx")
    jobs.request_cancel(job.id)
    monkeypatch.setattr(services.checking, "PROGRESS_EVERY", 1)  # look for the cancel request at every row
    services.run_check(job.id)
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).state == JobState.cancelled


def test_an_xls_renamed_xlsx_gets_a_clear_message(editor_client, worker, tmp_path):
    client, _entries = editor_client
    path = tmp_path / "old.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 4096)
    job_id = upload(client, path, "old.xlsx")
    wait(client, job_id)
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert 'id="rejected"' in html and ".xls" in html


def test_a_file_over_the_limit_is_refused(editor_client, app, tmp_path):
    client, _entries = editor_client
    app.config["IMPORT_MAX_BYTES"] = 1024
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK" + b"\0" * 4096)
    page = client.get("/imports/").get_data(as_text=True)
    response = client.post("/imports/", data={"csrf_token": token(page), "file": (io.BytesIO(path.read_bytes()), "big.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "文件过大：不能超过" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportJob.id))) == 0


def test_seekers_cannot_import(client, make_user):
    login(client, make_user("seeker", "市民政局"))
    assert client.get("/imports/").status_code == 403


def test_template_and_search_export_downloads(editor_client):
    client, entries = editor_client
    with client.get("/imports/template.xlsx") as template:
        assert template.status_code == 200
        assert "信息资源" in openpyxl.load_workbook(io.BytesIO(template.data)).sheetnames
    page = client.get("/search?q=户籍资源1").get_data(as_text=True)
    link = re.search(r'id="export-link" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    with client.get(link) as response:
        exported = openpyxl.load_workbook(io.BytesIO(response.data))
    codes = [r[column_of(exported["信息资源"], "信息资源代码") - 1] for r in
             exported["信息资源"].iter_rows(min_row=2, values_only=True)]
    assert codes == [entries[1].resource_code]


def test_import_command_reports_problems_and_exit_status(app, published, tmp_path):
    editor, entries = published
    path = export(tmp_path, entries)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["catalog", "import", str(path), "--dry-run", "--user", editor.username])
    assert ok.exit_code == 0 and "未变化 5" in ok.output and "校验通过" in ok.output
    wb = openpyxl.load_workbook(path)
    ws = wb["信息资源"]
    ws.cell(row_of(ws, entries[2].resource_code), column_of(ws, "信息资源名称")).value = None
    wb.save(path)
    bad = runner.invoke(args=["catalog", "import", str(path), "--user", editor.username])
    assert bad.exit_code == 1 and "「信息资源名称」为必填项" in bad.output and "未导入" in bad.output
    assert db.session.scalar(select(func.count(EntryVersion.id))) == 5


def test_export_and_template_commands(app, published, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalog", "export", str(tmp_path / "all.xlsx"), "--query", "q=户籍"])
    assert result.exit_code == 0 and "已导出 5 条" in result.output
    assert runner.invoke(args=["catalog", "template", str(tmp_path / "t.xlsx")]).exit_code == 0
    assert "填写说明" in openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames


def test_cancelling_an_import_rolls_it_back_whole(app, published, tmp_path, monkeypatch):
    from app.imports import services
    editor, entries = published
    path = edited_export(tmp_path, entries, {(e.resource_code, "信息资源摘要"): "取消前的修改。" for e in entries})
    path.rename(services.uploads_dir() / "y.xlsx")
    with firing():  # a job as its confirmation leaves it
        job = ImportJob(user_id=editor.id, filename="y.xlsx", stored_as="y.xlsx", state=JobState.commit_queued,
                        report={"new": 0, "changed": 5})
    db.session.add(job)
    db.session.commit()
    versions = db.session.scalar(select(func.count(EntryVersion.id)))
    jobs.request_cancel(job.id)
    monkeypatch.setattr(services.checking, "PROGRESS_EVERY", 1)  # look for the cancel request at every row
    services.run_commit(job.id)
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).state == JobState.cancelled
    assert db.session.scalar(select(func.count(EntryVersion.id))) == versions
