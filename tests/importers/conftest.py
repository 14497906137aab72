"""Session fixtures of the importer tests: files written by LibreOffice, converted once per session."""
import csv
import os
import pathlib
import shutil
import subprocess

import pytest

from importers import write_template
from tests.importers.helpers import CATEGORIES, DEPARTMENTS, load, put

#: the national one-sheet layout as a UTF-8 CSV, typed as a person would (labels, codes, Excel-ish numbers)
LO_HEADERS = ["行号", "信息资源分类*", "信息资源名称*", "信息资源提供方*", "信息资源摘要*", "信息资源格式分类*",
              "信息资源格式类型*", "共享类型*", "共享条件", "共享方式分类", "共享方式类型", "涉及敏感信息",
              "是否向社会开放*", "更新周期*", "数据量（条）", "联系电话", "信息项名称*", "数据类型*", "数据长度",
              "基础信息项", "信息项共享类型"]
LO_ROWS = [
    ["1", "101001", "户籍人口基本信息", "006", "本市户籍人口的基本信息，含“姓名”等；来源：户籍登记。", "数据库", "oracle",
     "有条件共享", "仅限依法履职，须经申请审核", "共享平台方式", "接口", "个人隐私", "否", "实时", "12000",
     "028-12345678", "姓名", "字符型", "50", "是", "无条件共享"],
    ["1", "101001", "户籍人口基本信息", "006", "本市户籍人口的基本信息，含“姓名”等；来源：户籍登记。", "数据库", "oracle",
     "有条件共享", "仅限依法履职，须经申请审核", "共享平台方式", "接口", "个人隐私", "否", "实时", "12000",
     "028-12345678", "户籍人口数", "数值型", "12,2", "否", ""],
    ["2", "201001", "政务服务事项办事指南", "市政务服务数据管理局", "办事指南：条件、材料、流程。", "电子文件", "pdf",
     "无条件共享", "", "邮件或介质", "", "", "否", "每月", "", "", "", "", "", "", ""],
]


def soffice() -> str:
    """The LibreOffice binary; the tests need it (apt-get install -y --no-install-recommends libreoffice-calc-nogui)."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        pytest.fail("LibreOffice is missing: apt-get install -y --no-install-recommends libreoffice-calc-nogui")
    return binary


def convert(source: pathlib.Path, outdir: pathlib.Path, profile: pathlib.Path, *extra: str) -> pathlib.Path:
    outdir.mkdir(exist_ok=True)
    command = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx", *extra, "--outdir", str(outdir), str(source)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "HOME": str(profile)})
    target = outdir / (source.stem + ".xlsx")
    assert target.exists(), f"LibreOffice failed: {result.stdout} {result.stderr}"
    return target


@pytest.fixture(scope="session")
def libreoffice_files(tmp_path_factory) -> dict[str, pathlib.Path]:
    """{'csv': a UTF-8 CSV converted by LibreOffice, 'template': a filled template re-saved by LibreOffice}."""
    from tests.importers.test_roundtrip import PERSON_ITEMS, PERSON_ROW

    base = tmp_path_factory.mktemp("libreoffice")
    profile = base / "profile"
    source = base / "national.csv"
    with open(source, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(LO_HEADERS)
        writer.writerows(LO_ROWS)
    template = write_template(base / "template.xlsx", categories=CATEGORIES, departments=DEPARTMENTS)
    wb = load(template)
    put(wb["信息资源"], 2, PERSON_ROW)
    for row, cells in enumerate(PERSON_ITEMS, start=2):
        put(wb["信息项"], row, cells)
    wb.save(base / "filled.xlsx")
    return {
        "csv": convert(source, base / "from_csv", profile, '--infilter=CSV:44,34,76,1'),
        "template": convert(base / "filled.xlsx", base / "resaved", profile),
    }
