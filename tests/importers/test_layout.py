"""The workbook layout comes from the schema: every editable field and every data-item field has a column."""
from catalog_schema import get_schema
from importers.layout import (
    CODE_KEY, ENTRY, ITEM, KEY, ROW_KEY, get_layout, normalize_header,
)
from tests.importers.helpers import extended_schema


def test_entry_columns_are_the_keys_then_every_editable_field_then_the_import_only_ones():
    schema = get_schema()
    layout = get_layout(schema)
    assert [c.key for c in layout.entry_columns] == [ROW_KEY, CODE_KEY] + [f.key for f in schema.editable_fields] + [
        "first_published_on", "last_updated_on"]
    assert [c.header for c in layout.entry_columns[:2]] == ["行号", "信息资源代码"]
    by_key = {c.key: c for c in layout.entry_columns}
    assert by_key["name"].header == "信息资源名称*" and by_key["name"].required
    assert by_key["provider_unit"].header == "提供方内部部门" and not by_key["provider_unit"].required
    assert "release_date" not in by_key          # not editable: the system sets it


def test_item_columns_are_the_keys_then_every_item_field():
    schema = get_schema()
    layout = get_layout(schema)
    assert [c.key for c in layout.item_columns] == [ROW_KEY, CODE_KEY] + [f.key for f in schema.item_fields]
    assert {c.level for c in layout.item_columns} == {KEY, ITEM}
    assert layout.item_columns[2].header == "信息项名称*"


def test_one_sheet_layout_has_entry_and_item_columns_with_distinct_headers():
    layout = get_layout()
    headers = [normalize_header(c.header) for c in layout.one_sheet_columns]
    assert len(headers) == len(set(headers))
    assert {c.level for c in layout.one_sheet_columns} == {KEY, ENTRY, ITEM}


def test_headers_are_compared_without_star_spaces_width_or_case():
    assert normalize_header(" 信息资源名称* ") == normalize_header("信息资源名称")
    assert normalize_header("信息资源名称＊") == normalize_header("信息资源名称")
    assert normalize_header("数据量（条）") == normalize_header("数据量(条)")
    assert normalize_header("共享\n类型（必填）") == normalize_header("共享类型")
    assert normalize_header("Name") == normalize_header("name")


def test_an_extension_field_gets_a_column_without_code_changes(tmp_path):
    schema = extended_schema(tmp_path, {"key": "data_updated", "label": "数据更新日期", "label_en": "Data updated",
                                        "section": "release", "type": "date", "required": True})
    layout = get_layout(schema)
    editable = [c for c in layout.entry_columns if c.spec is not None and c.spec.editable]
    assert editable[-1].header == "数据更新日期*"
    assert layout.entry_headers[normalize_header("数据更新日期")].key == "data_updated"
