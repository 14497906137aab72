"""Shared data and helpers of the importer tests: reference lists from the demo CSVs, sample entries, cell access."""
from __future__ import annotations

import csv
import pathlib
import zipfile

import openpyxl
import yaml

from catalog_schema import load_schema, validate_entry
from catalog_schema.spec import SCHEMA_FILE
from importers import read_workbook
from importers.reader import quiet_openpyxl

DEMO = pathlib.Path(__file__).resolve().parents[2] / "app" / "demo" / "data"


def _rows(name: str) -> list[dict]:
    with open(DEMO / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


CATEGORIES = [(r["code"], r["name"]) for r in _rows("classification.csv")]
#: (code, name, id): the id plays the department's database id, which validate_entry wants as provider
DEPARTMENTS = [(r["code"], r["name"], index) for index, r in enumerate(_rows("departments.csv"), start=1)]
DEPT_ID = {name: index for _code, name, index in DEPARTMENTS}


def person_db(**overrides) -> dict:
    """A conditional database of persons with three data items (two basic items)."""
    values = {
        "category_code": "101001", "name": "户籍人口基本信息", "provider": DEPT_ID["市公安局"],
        "summary": "本市户籍人口的姓名、公民身份号码、性别、民族、出生日期等基本登记信息。",
        "format_category": "database", "format_type": "oracle",
        "sharing_type": "conditional", "sharing_condition": "仅限因履行法定职责需要核验身份的部门使用，须经申请审核。",
        "sharing_method_category": "platform", "sharing_method_type": "interface",
        "sensitivity": ["personal_privacy"], "open_to_public": False, "update_cycle": "realtime",
        "data_items": [
            {"name": "姓名", "data_type": "C", "length": "50", "basic_item": True, "sharing_type": "unconditional"},
            {"name": "公民身份号码", "data_type": "C", "length": "18", "basic_item": True,
             "sharing_type": "unconditional"},
            {"name": "出生日期", "data_type": "D", "length": None},
        ],
    }
    values.update(overrides)
    return values


def sample_entries() -> list[dict]:
    """Entries exercising every field type: vocabularies, multi-values, bools, integers, code lists, items."""
    return [
        person_db(resource_code="101001/000001"),
        {
            "category_code": "201001", "name": "政务服务事项办事指南", "provider": DEPT_ID["市政务服务数据管理局"],
            "provider_unit": "政务服务处", "summary": "全市政务服务事项的办事指南，含办理条件、材料、流程、时限。",
            "topic_codes": ["201002", "201003"], "source_system": "一体化政务服务平台",
            "format_category": "electronic_file", "format_type": "pdf", "record_count": 1200,
            "sharing_type": "unconditional", "sharing_method_category": "mail_or_media",
            "network": "external", "secret": False, "open_to_public": True, "open_condition": "通过门户网站公开",
            "update_cycle": "monthly", "related_codes": ["101001/000001"], "contact_name": "李四",
            "keywords": ["办事指南", "政务服务", "open data"],
            "contact_phone": "028-87654321", "data_items": [],
        },
        {
            "category_code": "101002", "name": "涉密户籍统计台账", "provider": DEPT_ID["市公安局"],
            "summary": "户籍统计台账（涉密）。", "format_category": "spreadsheet", "format_type": "xlsx",
            "sharing_type": "not_shared", "non_sharing_basis": "《中华人民共和国保守国家秘密法》第二十八条",
            "sensitivity": ["state_secret", "work_secret"], "network": "internal", "secret": True,
            "open_to_public": False, "update_cycle": "yearly", "record_count": 0,
            "data_items": [
                {"name": "统计年度", "data_type": "N", "length": "4", "name_en": "year"},
                {"name": "户籍人口数", "data_type": "N", "length": "12,2", "description": "万人，保留两位小数",
                 "sharing_type": "not_shared"},
            ],
        },
        {
            "category_code": "103006", "name": "气象观测资料", "provider": DEPT_ID["市政务服务数据管理局"],
            "summary": "自动气象站逐小时观测资料，气象部门表格驱动码格式。", "format_category": "self_describing",
            "format_type": "self_describing", "format_note": "BUFR 表格驱动码", "sharing_type": "conditional",
            "sharing_condition": "用于防灾减灾", "sharing_method_category": "platform",
            "sharing_method_type": "file", "open_to_public": False, "update_cycle": "other",
        },
    ]


def clean(values: dict, schema=None) -> dict:
    """validate_entry's clean dict, asserting the values are valid."""
    result, problems = validate_entry(values, schema=schema)
    assert problems == [], [p.message for p in problems]
    return result


def read(path, **kwargs):
    kwargs.setdefault("categories", CATEGORIES)
    kwargs.setdefault("departments", DEPARTMENTS)
    return read_workbook(path, **kwargs)


def headers(ws, row: int = 1) -> dict[str, int]:
    """Header text → 1-based column index."""
    return {str(c.value): c.column for c in ws[row] if c.value is not None}


def put(ws, row: int, cells: dict, header_row: int = 1) -> None:
    """Write `cells` (header → value) into `row`; the header must exist."""
    columns = headers(ws, header_row)
    for header, value in cells.items():
        ws.cell(row=row, column=columns[header], value=value)


def load(path, **kwargs):
    with quiet_openpyxl():
        return openpyxl.load_workbook(path, **kwargs)


def extended_schema(tmp_path: pathlib.Path, *fields: dict):
    """The deployment schema plus extension fields (扩展元数据), loaded from a copy of catalog.yaml."""
    data = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    data["fields"] += list(fields)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_schema(path)


def rewrite_member(source, target, member: str, change) -> None:
    """Copy an .xlsx, passing one ZIP member's bytes through `change`."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, change(data) if info.filename == member else data)


def messages(problems) -> list[str]:
    return [p.message for p in problems]


def at(problems, sheet: str, coordinate: str) -> list:
    """The problems of one cell."""
    return [p for p in problems if p.sheet == sheet and f"{p.column}{p.row}" == coordinate]
