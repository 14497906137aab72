"""The CKAN Action API as the document describes it: the package dict (every field of the catalog schema, described
by its labels), organizations, groups, tags, activities, and each action's query parameters and result."""
from __future__ import annotations

from dataclasses import dataclass

from catalog_schema import FieldSpec, get_schema

from ..actions import ACTIONS as ACTION_NAMES
from ..own_api import Param
from ..own_api import resources as r
from .schemas import ref

CKAN_TAG = "CKAN 兼容接口"
CKAN_DOCS = "https://docs.ckan.org/en/2.10/api/"


def _field_schema(spec: FieldSpec) -> dict:
    """A schema field's value in a package dict (null when the entry leaves it empty), described by its labels."""
    description = f"{spec.label}（{spec.label_en}）" + (f"：{spec.help}" if spec.help else "")
    if spec.type in ("multi_enum", "code_list", "tags"):
        out: dict = {"type": "array", "items": {"type": "string"}}
    elif spec.type == "bool":
        out = {"type": "boolean"}
    elif spec.type == "integer":
        out = {"type": "integer"}
    elif spec.type == "department":
        out = {"type": "integer", "description": "部门编号"}
    else:
        out = {"type": "string"}
    if spec.vocabulary:
        codes = "；".join(f"{t.code}：{t.label}" for t in get_schema().vocabulary(spec.vocabulary).terms[:40])
        description += f"。代码：{codes}"
    return {**out, "nullable": True, "description": description}


def package_schema() -> dict:
    """CKAN's package dict with every metadata field of the catalog schema beside CKAN's keys (as ckanext-scheming
    publishes a custom schema); loose (additionalProperties), since a deployment may add fields."""
    schema = get_schema()
    ckan = {
        "id": r.text("信息资源的编号（数字字符串）"),
        "name": r.text("CKAN 名称：信息资源代码中的“/”换成“-”，如 101001001-000001"),
        "title": r.text("信息资源名称"),
        "notes": r.text("信息资源摘要"),
        "state": r.enum("状态：active（已发布）、draft（未发布的草稿，仅本部门和主管部门可见）、deleted（已停用）",
                        ("active", "draft", "deleted")),
        "private": r.boolean("是否不向社会开放（true：仅政务部门用户可见）"),
        "type": r.text("总是 dataset"),
        "url": r.text("信息资源的页面", format="uri"),
        "metadata_created": r.text("登记时间（UTC）"),
        "metadata_modified": r.text("最近修改时间（UTC）"),
        "owner_org": r.text("提供部门的编号"),
        "organization": {**ref("Organization"), "nullable": True},
        "tags": {"type": "array", "description": "关键字", "items": {
            "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
        "num_tags": r.integer("关键字个数"),
        "groups": {"type": "array", "description": "主题分类", "items": ref("Group")},
        "resources": {"type": "array", "description": "资源（一条信息资源的一种提供形式）", "items": {
            "type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                             "format": {"type": "string"}, "url": {"type": "string"}},
            "required": ["id", "url"]}},
        "num_resources": r.integer("资源个数"),
    }
    fields = {spec.key: _field_schema(spec) for spec in schema.fields
              if spec.key != "name" and not spec.import_only and spec.key not in ckan}
    items = {spec.key: _field_schema(spec) for spec in schema.item_fields}
    fields["data_items"] = {"type": "array", "description": f"{schema.items_label}（{schema.items_label_en}）",
                            "items": {"type": "object", "properties": items, "additionalProperties": True}}
    return {"type": "object",
            "description": ("CKAN 的数据集（package）：一条信息资源。CKAN 的键之外，目录元数据规范的每个字段都以其键名"
                            "出现在顶层（规范中的“信息资源名称”即 title）。"),
            "properties": {**ckan, **fields},
            "required": ["id", "name", "title", "state", "private", "type", "metadata_created", "metadata_modified",
                         "owner_org", "tags", "num_tags", "resources", "num_resources"],
            "additionalProperties": True}


ORGANIZATION = {"type": "object", "description": "CKAN 的组织（organization）：一个政务部门",
                "properties": {"id": r.text("部门编号"), "name": r.text("CKAN 名称（部门代码）"),
                               "title": r.text("部门名称"), "package_count": r.integer("调用者可见的已发布信息资源条数")},
                "required": ["id", "name", "title"], "additionalProperties": True}
GROUP = {"type": "object", "description": "CKAN 的分组（group）：一个主题分类或信息资源分类的节点",
         "properties": {"id": r.text("分类代码"), "name": r.text("分类代码"), "title": r.text("分类名称"),
                        "package_count": r.integer("调用者可见的已发布信息资源条数")},
         "required": ["id", "name", "title"], "additionalProperties": True}
TAG = {"type": "object", "description": "关键字及其信息资源条数",
       "properties": {"name": r.text("关键字"), "count": r.integer("条数")}, "required": ["name"],
       "additionalProperties": True}
ACTIVITY = {"type": "object", "description": "一个版本（活动）",
            "properties": {"id": r.text("编号"), "object_id": r.text("信息资源编号"),
                           "activity_type": r.text("new package、changed package 或 changed package draft"),
                           "timestamp": r.text("时间（UTC）"), "data": {"type": "object", "additionalProperties": True}},
            "required": ["id", "activity_type", "timestamp"], "additionalProperties": True}


def names_or(schema_name: str, description: str) -> dict:
    return {"type": "array", "description": description,
            "items": {"anyOf": [{"type": "string"}, ref(schema_name)]}}


SEARCH_RESULT = {
    "type": "object",
    "properties": {
        "count": r.integer("符合条件的条数"),
        "sort": r.text("使用的排序"),
        "results": {"type": "array", "items": ref("Package")},
        "facets": {"type": "object", "description": "分面：字段 → {值: 条数}",
                   "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}}},
        "search_facets": {"type": "object", "description": "分面（带中文名称）：字段 → {title, items}",
                          "additionalProperties": {
                              "type": "object", "properties": {
                                  "title": {"type": "string"},
                                  "items": {"type": "array", "items": {
                                      "type": "object",
                                      "properties": {"name": {"type": "string"}, "display_name": {"type": "string"},
                                                     "count": {"type": "integer"}},
                                      "required": ["name", "display_name", "count"]}}},
                              "required": ["title", "items"]}},
    },
    "required": ["count", "sort", "results", "facets", "search_facets"],
}


# ---- the CKAN actions ------------------------------------------------------------------------------------------

def _id(description: str, example: str = "1") -> Param:
    return Param("id", "编号", description, required=True, example=example)


LIMIT = Param("limit", "条数", "至多返回多少条", "integer", minimum=1)
OFFSET = Param("offset", "起始位置", "跳过前面多少条", "integer", minimum=0)
ALL_FIELDS = Param("all_fields", "完整字段", "true：返回对象而不只是名称", "boolean")
INCLUDE_PRIVATE = Param("include_private", "含非开放", "true：政务部门用户得到全部已发布的信息资源（公众仍只有开放目录）",
                        "boolean")


@dataclass(frozen=True)
class Action:
    """One CKAN action as documented: its query parameters (GET) and the schema of its result."""

    name: str
    summary: str
    description: str
    params: tuple[Param, ...]
    result: dict
    write: bool = False


ACTIONS = (
    Action("status_show", "站点状态", "站点名称、地址、CKAN 版本号和扩展。", (),
           {"type": "object", "properties": {"ckan_version": r.text("兼容的 CKAN 版本"), "site_title": r.text("站点名称"),
                                             "site_url": r.text("站点地址")},
            "required": ["ckan_version", "site_title", "site_url"], "additionalProperties": True}),
    Action("help_show", "操作说明", "一个操作的说明文字（name：操作名，如 package_search）。",
           (Param("name", "操作名", "要查看说明的操作，如 package_search", "enum", required=True, example="package_search",
                  choices={name: name for name in ACTION_NAMES}),),
           {"type": "string"}),
    Action("package_list", "数据集名称列表", "开放目录中全部数据集（信息资源）的名称，按名称排序（与 CKAN 相同，只列公开的数据集）。",
           (LIMIT, OFFSET, INCLUDE_PRIVATE,
            Param("include_drafts", "含草稿", "CKAN 的参数，接受但不改变结果（草稿不列出）", "boolean"),
            Param("include_deleted", "含已停用", "CKAN 的参数，接受但不改变结果（已停用的不列出）", "boolean")),
           {"type": "array", "items": {"type": "string"}}),
    Action("package_show", "一个数据集", "一条信息资源：已发布的版本；本部门和主管部门还能看到从未发布的草稿。",
           (_id("信息资源的编号、CKAN 名称（信息资源代码中的“/”换成“-”）或信息资源代码"),), ref("Package")),
    Action("package_search", "检索数据集",
           "按关键词（q）和 CKAN 的 Solr 式条件（fq、fq_list：field:value、带引号的值、+/-、field:(a OR b)、"
           "metadata_modified 的区间）检索，可排序、翻页并统计分面。公众只能检索开放目录；政务部门用户加 "
           "include_private=true 检索全部已发布的信息资源。",
           (Param("q", "关键词", "检索词（资源名称、摘要、信息项、部门等）"),
            Param("fq", "过滤条件", "Solr 式过滤条件，如 organization:xxx、tags:\"人口\"、-res_format:数据库、"
                                 "metadata_modified:[2024-01-01T00:00:00Z TO *]"),
            Param("fq_list", "过滤条件列表", "多个过滤条件（重复给出该参数），全部满足", "array"),
            Param("sort", "排序", "如 score desc、metadata_modified desc、title_string asc，多个以逗号分隔"),
            Param("rows", "每页条数", "每页条数（默认 10；超过 1000 的按 1000）", "integer", minimum=0),
            Param("start", "起始位置", "跳过前面多少条", "integer", minimum=0),
            Param("facet", "统计分面", "是否统计分面（默认 true）", "boolean"),
            Param("facet.field", "分面字段", "统计哪些字段的分面（重复给出该参数，或一个 JSON 列表字符串，"
                                         "如 [\"organization\",\"tags\"]）", "array"),
            Param("facet.limit", "分面条数", "每个分面至多返回多少个值（-1：全部）", "integer", minimum=-1),
            Param("facet.mincount", "分面最小计数", "只返回条数不少于此的分面值", "integer", minimum=0),
            INCLUDE_PRIVATE,
            Param("include_drafts", "含草稿", "CKAN 的参数，接受但不改变结果（草稿不进入检索）", "boolean"),
            Param("include_deleted", "含已停用", "CKAN 的参数，接受但不改变结果（已停用的不进入检索）", "boolean")),
           ref("PackageSearchResult")),
    Action("organization_list", "组织（部门）列表", "全部政务部门的名称；all_fields=true 时为对象（含调用者可见的信息资源条数）。",
           (ALL_FIELDS, LIMIT, OFFSET, Param("sort", "排序", "name、title 或 package_count，可加 asc/desc")),
           names_or("Organization", "部门名称，或 all_fields=true 时的部门对象")),
    Action("organization_show", "一个组织（部门）", "一个部门：编号、名称、代码或全称均可；include_datasets=true 时带前十条信息资源。",
           (_id("部门的编号、CKAN 名称、代码或全称"),
            Param("include_datasets", "含数据集", "true：带该部门的前十条信息资源", "boolean")),
           ref("Organization")),
    Action("group_list", "分组（主题）列表", "信息资源所属的主题分类（type=classification：信息资源分类）的节点，"
           "节点的条数含其下级；all_fields=true 时为对象（含信息资源条数）。",
           (ALL_FIELDS, LIMIT, OFFSET, Param("sort", "排序", "name、title 或 package_count，可加 asc/desc"),
            Param("type", "分组类型", "group：主题分类（默认）；classification：信息资源分类", "enum",
                  choices={"group": "主题分类", "classification": "信息资源分类"})), names_or("Group", "分类代码，或 all_fields=true 时的分组对象")),
    Action("group_show", "一个分组", "一个主题分类或信息资源分类节点（按代码）。", (_id("分类代码", "101"),), ref("Group")),
    Action("tag_list", "关键字列表", "调用者可见的信息资源的关键字；query 只列含该文本的。",
           (Param("query", "查询", "只列含该文本的关键字"), ALL_FIELDS), names_or("Tag", "关键字，或 all_fields=true 时的对象")),
    Action("package_activity_list", "数据集的版本记录", "一条信息资源的各个版本（新的在前）：版本号、状态、时间和修订说明。",
           (_id("信息资源的编号、CKAN 名称或信息资源代码"), LIMIT, OFFSET),
           {"type": "array", "items": ref("Activity")}),
)

WRITE_ACTIONS = (
    Action("package_create", "登记数据集", "以调用者所在部门（或 owner_org）登记一条新的信息资源草稿，自动编码；"
           "submit=true 时同时送审。校验规则与登记表单相同。", (), ref("Package"), write=True),
    Action("package_update", "修改数据集（整体替换）", "用给出的字段替换信息资源的元数据（未给出的字段清空），形成新的工作版本；"
           "已发布的信息资源形成修订版本，重新审核。", (), ref("Package"), write=True),
    Action("package_patch", "修改数据集（部分字段）", "只修改给出的字段，其余保持工作版本（或已发布版本）的值。", (),
           ref("Package"), write=True),
    Action("package_delete", "停用数据集", "停用（撤销发布）一条信息资源，须给出原因 reason；代码和历史保留。", (),
           ref("Package"), write=True),
)


