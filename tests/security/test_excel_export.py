"""The public Excel export never carries a live formula, and the app accepts its own export back unchanged."""
from __future__ import annotations

import zipfile

from app import imports
from importers.reader import quiet_openpyxl
from tests.portal.test_portal import OPEN

HYPERLINK = '=HYPERLINK("http://127.0.0.1/x")'


def test_an_anonymous_export_writes_formula_like_text_as_text_and_reimports_as_unchanged(client, make_entry, admin,
                                                                                          tmp_path):
    import openpyxl

    entry = make_entry(**{**OPEN, "name": HYPERLINK, "summary": "+86 10 总机", "contact_phone": "+86 10 1234 5678",
                          "provider_unit": "-1", "usage_scope": "@SUM(1)"})
    response = client.get("/imports/export.xlsx")  # open to anonymous visitors
    assert response.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.get_data())
    response.close()
    with zipfile.ZipFile(path) as archive:
        assert not [name for name in archive.namelist() if name.startswith("xl/worksheets/")
                    and b"<f>" in archive.read(name)]
    with quiet_openpyxl():
        sheet = openpyxl.load_workbook(path)["信息资源"]
    row = {sheet.cell(1, c).value: sheet.cell(2, c) for c in range(1, sheet.max_column + 1)}
    assert row["信息资源名称*"].value == HYPERLINK and row["信息资源名称*"].data_type == "s"
    assert all(row[h].quotePrefix for h in ("信息资源名称*", "信息资源摘要*", "联系电话", "提供方内部部门", "使用范围"))

    report, _plan = imports.check(path, user=admin)
    assert report.as_dict()["problems"] == []
    assert (report.new, report.changed, report.unchanged) == (0, 0, 1)
    assert entry.published_version.name == HYPERLINK
