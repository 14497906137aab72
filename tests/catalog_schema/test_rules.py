"""Every rule of SPEC §4 (and the metadata element rules) fed a violating entry: the Chinese message names the field."""
import pytest

from catalog_schema import get_schema, marshmallow_schemas, validate_entry
from tests.conftest import valid_values


def problems_for(**overrides):
    _clean, problems = validate_entry(valid_values(provider=1, **overrides))
    return {p.path: p for p in problems}


def test_valid_entry_has_no_problems():
    assert problems_for() == {}


def test_non_shared_entry_without_legal_basis_is_rejected():
    found = problems_for(sharing_type="not_shared", sharing_condition=None, sharing_method_category=None,
                         sharing_method_type=None, non_sharing_basis="",
                         data_items=[{"name": "姓名", "data_type": "C", "length": "50"}])
    assert list(found) == ["non_sharing_basis"]
    assert "「不予共享依据」" in found["non_sharing_basis"].message
    assert "法律" in found["non_sharing_basis"].message


def test_non_shared_entry_with_legal_basis_is_accepted():
    assert problems_for(sharing_type="not_shared", sharing_method_category=None, sharing_method_type=None,
                        non_sharing_basis="《中华人民共和国保守国家秘密法》第二十八条",
                        data_items=[{"name": "姓名", "data_type": "C", "length": "50"}]) == {}


def test_conditional_entry_without_conditions_is_rejected():
    found = problems_for(sharing_condition="   ")
    assert list(found) == ["sharing_condition"]
    assert "「共享条件」" in found["sharing_condition"].message


@pytest.mark.parametrize("sensitivity, word", [
    ("personal_privacy", "个人隐私"), ("state_secret", "国家秘密"),
    ("work_secret", "工作秘密"), ("commercial_secret", "商业秘密"),
])
def test_sensitive_entry_cannot_be_unconditional(sensitivity, word):
    found = problems_for(sharing_type="unconditional", sharing_condition=None, sensitivity=[sensitivity])
    assert list(found) == ["sharing_type"]
    assert "「共享类型」" in found["sharing_type"].message and word in found["sharing_type"].message


def test_classified_entry_cannot_be_unconditional_and_stays_on_the_intranet():
    found = problems_for(sharing_type="unconditional", sensitivity=[], secret=True, network="external",
                         open_to_public=True, open_condition="无")
    assert {"sharing_type", "network", "open_to_public"} <= set(found)
    assert "电子政务内网" in found["network"].message


def test_basic_item_of_basic_resource_must_be_unconditional():
    items = [{"name": "姓名", "data_type": "C", "length": "50", "basic_item": True},
             {"name": "出生日期", "data_type": "D"}]
    found = problems_for(data_items=items)  # entry conditional, basic item inherits "conditional"
    assert list(found) == ["data_items[0].sharing_type"]
    assert "信息项第1行「信息项共享类型」" in found["data_items[0].sharing_type"].message
    assert "无条件共享" in found["data_items[0].sharing_type"].message


def test_basic_item_rule_applies_only_to_basic_resources():
    items = [{"name": "姓名", "data_type": "C", "length": "50", "basic_item": True}]
    assert problems_for(category_code="201001", data_items=items) == {}


@pytest.mark.parametrize("fmt, ftype", [("database", "oracle"), ("spreadsheet", "xlsx")])
def test_structured_entry_without_data_items_is_rejected(fmt, ftype):
    found = problems_for(format_category=fmt, format_type=ftype, data_items=[])
    assert list(found) == ["data_items"]
    assert "「信息项」至少需要一项" in found["data_items"].message


def test_document_entry_may_have_no_data_items():
    assert problems_for(format_category="electronic_file", format_type="pdf", data_items=[]) == {}


def test_duplicate_data_item_names_are_rejected():
    items = [{"name": "姓名", "data_type": "C", "length": "50"}, {"name": "性别", "data_type": "C", "length": "1"},
             {"name": "姓名", "data_type": "C", "length": "30"}]
    found = problems_for(data_items=items)
    assert list(found) == ["data_items[2].name"]
    assert "信息项第3行「信息项名称」“姓名”" in found["data_items[2].name"].message


def test_open_entry_without_open_conditions_is_rejected():
    found = problems_for(open_to_public="是")
    assert list(found) == ["open_condition"]
    assert "「开放条件」" in found["open_condition"].message


def test_format_type_must_belong_to_its_category():
    found = problems_for(format_type="pdf")
    assert "「信息资源格式类型」“pdf”不属于格式分类“数据库”" in found["format_type"].message


def test_other_format_type_needs_a_note():
    found = problems_for(format_category="other", format_type="other", data_items=[])
    assert list(found) == ["format_note"]


def test_sharing_method_is_required_unless_not_shared():
    found = problems_for(sharing_method_category=None, sharing_method_type=None)
    assert list(found) == ["sharing_method_category"]
    assert "「共享方式分类」为必填项" in found["sharing_method_category"].message


def test_platform_sharing_method_needs_its_type():
    found = problems_for(sharing_method_type=None)
    assert list(found) == ["sharing_method_type"]


def test_unknown_vocabulary_code_is_rejected_naming_the_field():
    found = problems_for(update_cycle="hourly")
    assert found["update_cycle"].message == "「更新周期」的取值 “hourly” 不在代码表中"
    assert "update_cycle" in found["update_cycle"].message_en


def test_missing_required_fields_are_named_in_chinese():
    _clean, problems = validate_entry({})
    messages = {p.path: p.message for p in problems}
    for key in ("category_code", "name", "summary", "sharing_type", "open_to_public", "update_cycle"):
        label = get_schema().field(key).label
        assert messages[key] == f"「{label}」为必填项"


def test_too_long_name_is_rejected_with_its_limit():
    found = problems_for(name="很" * 51)
    assert found["name"].message == "「信息资源名称」不能超过 50 个字符"


def test_item_length_must_be_integer_or_precision_scale():
    items = [{"name": "金额", "data_type": "N", "length": "12,2"}, {"name": "备注", "data_type": "C", "length": "长"}]
    found = problems_for(data_items=items)
    assert list(found) == ["data_items[1].length"]


def test_not_shared_entry_cannot_share_its_items():
    found = problems_for(sharing_type="not_shared", sharing_method_category=None, sharing_method_type=None,
                         non_sharing_basis="《中华人民共和国统计法》第二十五条", category_code="201001",
                         data_items=[{"name": "企业名称", "data_type": "C", "length": "100",
                                      "sharing_type": "unconditional"}])
    assert list(found) == ["data_items[0].sharing_type"]


def test_code_lists_accept_chinese_separators():
    clean, problems = validate_entry(valid_values(provider=1, related_codes="101001/000001；101001/000002"))
    assert not problems
    assert clean["related_codes"] == ["101001/000001", "101001/000002"]


def test_generated_marshmallow_schema_covers_every_editable_field():
    entry_args, item_args = marshmallow_schemas()
    schema = get_schema()
    assert set(entry_args().fields) == {f.key for f in schema.editable_fields} | {"data_items"}
    assert set(item_args().fields) == {f.key for f in schema.item_fields}


def test_an_extension_field_needs_only_the_schema_file(tmp_path):
    """A deployment adds 扩展元数据 by editing the YAML: validation picks it up with no code change."""
    import yaml

    from catalog_schema import load_schema
    from catalog_schema.spec import SCHEMA_FILE

    data = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    data["fields"].append({"key": "data_steward", "label": "数据管家", "label_en": "Data steward",
                           "section": "basic", "type": "text", "required": True, "max_length": 20})
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    extended = load_schema(path)
    _clean, problems = validate_entry(valid_values(provider=1), schema=extended)
    assert [(p.path, p.message) for p in problems] == [("data_steward", "「数据管家」为必填项")]
