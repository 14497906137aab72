"""The error report pages through HTTP: the entry page's 纠错 card, the report form (its errors, the evidence and
its limits), answering from the report page, the queues, and a third department that sees nothing."""
from __future__ import annotations

import io
import pathlib
import re

from sqlalchemy import func, select

from app.core.db import transaction
from app.extensions import db
from app.sharing import ErrorReport, reports
from tests.portal.test_portal import login

from .conftest import file_report, logout, publish_revision, token

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")  # a script element with no src: code in the page


def accessible(html: str) -> None:
    """Every control a person fills in has a label (or an aria-label); no inline script or style (CSP)."""
    controls = re.findall(r"<(input|textarea|select)\b([^>]*)>", html)
    for tag, attributes in controls:
        if re.search(r'type="(hidden|submit)"', attributes):
            continue
        if "aria-label=" in attributes:
            continue
        control_id = re.search(r'\sid="([^"]+)"', attributes)
        assert control_id, f"<{tag}{attributes}> has no id"
        assert f'for="{control_id.group(1)}"' in html, control_id.group(1)
    assert html.count("<table") == html.count("<caption")
    assert not INLINE_SCRIPT.search(html) and 'style="' not in html and " onclick=" not in html


def attachments(app) -> list[str]:
    root = pathlib.Path(app.config["ATTACHMENTS_PATH"])
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_the_entry_page_card_offers_the_report_to_others_and_shows_open_reports_to_the_provider(
        client, people, entry):
    path = f"/entries/{entry.id}"
    login(client, people["seeker"])
    html = client.get(path).get_data(as_text=True)
    assert 'id="error-reports-title">纠错</div>' in html
    assert f'href="/reports/entries/{entry.id}/new">报告数据疑问</a>' in html
    assert 'id="unsettled-count"' not in html
    logout(client)

    row = file_report(entry, people["seeker"])
    login(client, people["editor"])  # the provider: no link, its open reports and their count
    html = client.get(path).get_data(as_text=True)
    assert "报告数据疑问</a>" not in html
    assert "未办结的数据疑问：<strong>1</strong> 件，其中待核查 1 件" in html
    assert f'href="/reports/{row.id}">第 {row.id} 号</a>' in html
    logout(client)
    login(client, people["authority"])
    assert "未办结的数据疑问：<strong>1</strong> 件" in client.get(path).get_data(as_text=True)
    logout(client)
    login(client, people["seeker"])  # the reporter sees its own reports
    assert f'本部门第 {row.id} 号报告</a>：待核查' in client.get(path).get_data(as_text=True)
    logout(client)
    login(client, people["third"])  # a third department may report too, but sees nothing of others' reports
    html = client.get(path).get_data(as_text=True)
    assert "报告数据疑问</a>" in html and f"/reports/{row.id}" not in html and "未办结" not in html


def test_the_form_names_each_problem_then_files_the_report_with_its_evidence(app, client, people, entry):
    login(client, people["seeker"])
    path = f"/reports/entries/{entry.id}/new"
    page = client.get(path).get_data(as_text=True)
    accessible(page)
    assert 'value="公民身份号码"' in page and 'enctype="multipart/form-data"' in page
    bad = client.post(path, data={"csrf_token": token(client, path), "kind": "data", "description": ""})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "数据内容的疑问请至少选择一个信息项" in html and "「疑问描述」为必填项" in html
    accessible(html)
    done = client.post(path, data={"csrf_token": token(client, path), "kind": "data", "items": ["公民身份号码"],
                                   "description": "张三的号码少一位",
                                   "evidence": (io.BytesIO("核对记录".encode()), "核对记录 2026.txt")},
                       content_type="multipart/form-data")
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    row = db.session.scalar(select(ErrorReport))
    assert (row.evidence_name, row.evidence_size) == ("核对记录 2026.txt", len("核对记录".encode()))
    assert attachments(app) == [row.evidence_path] and row.evidence_path.endswith(".txt")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "待核查" in page and "2026-11-16" in page and "核对记录 2026.txt" in page
    accessible(page)
    download = client.get(f"/reports/{row.id}/evidence")
    assert download.status_code == 200 and download.data == "核对记录".encode()
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()


def test_evidence_over_the_size_limit_is_refused_naming_the_field_and_nothing_is_kept(app, client, people, entry):
    app.config["ATTACHMENT_MAX_BYTES"] = 16
    login(client, people["seeker"])
    path = f"/reports/entries/{entry.id}/new"
    response = client.post(path, data={"csrf_token": token(client, path), "kind": "metadata", "description": "摘要有误",
                                       "evidence": (io.BytesIO(b"x" * 17), "big.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "证明材料不能超过 16 字节" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ErrorReport.id))) == 0 and attachments(app) == []
    exact = client.post(path, data={"csrf_token": token(client, path), "kind": "metadata", "description": "摘要有误",
                                    "evidence": (io.BytesIO(b"x" * 16), "ok.png")}, content_type="multipart/form-data")
    assert exact.status_code == 302


def test_control_characters_are_refused_naming_the_field(app, client, people, entry):
    login(client, people["seeker"])
    path = f"/reports/entries/{entry.id}/new"
    response = client.post(path, data={"csrf_token": token(client, path), "kind": "metadata",
                                       "description": "摘要\x00有误",
                                       "evidence": (io.BytesIO(b"evidence"), "截图\x1b.png")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "「疑问描述」含有不可见的控制字符（U+0000 空字符）" in html
    assert "「证明材料的文件名」含有不可见的控制字符（U+001B）" in html
    assert db.session.scalar(select(func.count(ErrorReport.id))) == 0 and attachments(app) == []


def test_the_provider_answers_from_the_report_page(client, people, entry, clock):
    row = file_report(entry, people["seeker"])
    login(client, people["responder"])
    path = f"/reports/{row.id}"
    page = client.get(path).get_data(as_text=True)
    accessible(page)
    assert 'id="no-candidates"' in page  # nothing published after the report yet
    refused = client.post(f"{path}/reject", data={"csrf_token": token(client, path), "note": ""})
    assert refused.status_code == 422 and "「核查说明」为必填项" in refused.get_data(as_text=True)
    clock("2026-11-04")
    corrected = publish_revision(entry, people)
    login(client, people["responder"])  # a new day: the session does not carry over
    page = client.get(path).get_data(as_text=True)
    assert f'name="version" value="{corrected.id}"' in page
    done = client.post(f"{path}/correct", data={"csrf_token": token(client, path), "version": str(corrected.id),
                                                "note": "已更正号码"})
    assert done.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert 'id="record-title">校核记录' in page and "已更正号码" in page
    assert f"/manage/entries/{entry.id}/compare?a=1&amp;b=2" in page
    assert "报告数据疑问：" in page and "已更正：" in page  # the history: report, then the answer
    logout(client)
    login(client, people["seeker"])
    page = client.get(path).get_data(as_text=True)
    assert "确认办结</button>" in page and "申请主管部门协调</button>" in page
    assert client.post(f"{path}/accept", data={"csrf_token": token(client, path)}).status_code == 302
    assert db.session.get(ErrorReport, row.id).state.value == "closed"


def test_the_queues_flag_and_count_overdue_reports(client, people, entry, clock):
    row = file_report(entry, people["seeker"])
    clock("2026-11-17")
    with transaction():
        reports.flag_overdue()
    login(client, people["responder"])
    html = client.get("/reports/?box=provider").get_data(as_text=True)
    assert f'data-report="{row.id}"' in html and f'data-overdue="{row.id}"' in html
    assert 'data-overdue-count="provider">逾期 1</span>' in html
    accessible(html)
    logout(client)
    login(client, people["editor"])  # the provider's desk counts what it must verify
    html = client.get("/changes/desk").get_data(as_text=True)
    assert '<a class="ms-1" href="/reports/?box=provider">核查数据疑问：1 件待答复（1 件已逾期）</a>' in html
    assert f'data-report="{row.id}"' not in client.get("/reports/?box=mine").get_data(as_text=True)
    logout(client)
    login(client, people["authority"])
    html = client.get("/reports/?box=authority&overdue=1").get_data(as_text=True)
    assert f'data-report="{row.id}"' in html and 'data-overdue-count="authority">逾期 1</span>' in html
    logout(client)
    login(client, people["seeker"])
    html = client.get("/reports/?box=mine").get_data(as_text=True)
    assert f'data-report="{row.id}"' in html
    page = client.get(f"/reports/{row.id}").get_data(as_text=True)
    assert 'id="escalate-reason"' in page  # overdue: the reporter may ask the authority


def test_another_department_sees_nothing(client, people, entry):
    row = file_report(entry, people["seeker"], evidence=None)
    login(client, people["third"])
    assert client.get(f"/reports/{row.id}").status_code == 404
    assert client.get(f"/reports/{row.id}/evidence").status_code == 404
    csrf = token(client, "/reports/")
    assert client.post(f"/reports/{row.id}/reject", data={"csrf_token": csrf, "note": "无误"}).status_code == 404
    for box in ("mine", "provider", "authority"):
        assert f'data-report="{row.id}"' not in client.get(f"/reports/?box={box}").get_data(as_text=True)
    assert db.session.get(ErrorReport, row.id).state.value == "open"


def test_the_provider_cannot_report_its_own_entry(client, people, entry):
    login(client, people["editor"])
    assert client.get(f"/reports/entries/{entry.id}/new").status_code == 403
