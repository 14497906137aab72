"""An editor imports an Excel file in Chromium: errors reported per cell, fixed, imported with a progress bar."""
import openpyxl
import pytest
from playwright.sync_api import expect

from tests.imports.test_import_services import column_of, export, row_of

pytestmark = pytest.mark.browser


def test_editor_uploads_sees_the_report_fixes_and_imports(published, worker, sign_in, tmp_path):
    editor, entries = published
    good = export(tmp_path, entries, "目录.xlsx")
    wb = openpyxl.load_workbook(good)
    ws = wb["信息资源"]
    ws.cell(row_of(ws, entries[0].resource_code), column_of(ws, "信息资源摘要")).value = "Excel 里改过的摘要。"
    wb.save(good)
    bad_row = row_of(ws, entries[2].resource_code)
    ws.cell(bad_row, column_of(ws, "更新周期")).value = "每小时"
    bad = tmp_path / "有错误的目录.xlsx"
    wb.save(bad)

    page = sign_in(editor, "/imports/")
    page.get_by_label("Excel 文件").set_input_files(str(bad))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("#problem-summary")).to_contain_text("发现 1 处问题，未导入任何内容")
    problem = page.locator("#problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("每小时")
    expect(problem).to_contain_text(str(bad_row))
    expect(page.get_by_role("link", name="下载标注了错误单元格的工作簿")).to_be_visible()
    expect(page.locator("#commit-form")).to_have_count(0)

    page.goto("/imports/")
    page.get_by_label("Excel 文件").set_input_files(str(good))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("#clean")).to_contain_text("修改 1")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("#progress-bar")).to_be_visible()
    expect(page.locator("#done")).to_contain_text("导入完成：新增 0，修改 1，已提交审核", timeout=20_000)
    expect(page.locator("#progress-bar")).to_have_text("100%")

    page.goto(f"/manage/entries/{entries[0].id}")
    expect(page.locator("td.diff-new")).to_have_text("Excel 里改过的摘要。")  # the diff against the published version
