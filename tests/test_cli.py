"""`flask --app wsgi catalog …` commands."""
from sqlalchemy import func, select

from app.accounts import User
from app.catalog.models import Entry, EntryStatus
from app.extensions import db


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["catalog", *args], input=input)


def test_init_db_is_idempotent(app):
    result = run(app, "init-db")
    assert result.exit_code == 0 and "数据库已是最新结构" in result.output


def test_load_departments_with_errors_exits_non_zero_and_lists_them(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name,short_name,aliases,credit_code,region_level,parent_code\n"
                    "950,市新局,新局,,123,city,\n", encoding="utf-8")
    result = run(app, "load-departments", str(path))
    assert result.exit_code == 1
    assert "第 2 行「credit_code」：统一社会信用代码须为 18 位" in result.output


def test_create_user(app):
    result = run(app, "create-user", "zhangsan", "--name", "张三", "--role", "editor", "--department", "001",
                 "--password", "long-enough-pw")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "zhangsan"))
    assert user.role_keys == {"editor"} and user.check_password("long-enough-pw")


def test_create_user_with_two_roles(app):
    result = run(app, "create-user", "wangwu", "--name", "王五", "--role", "editor", "--role", "department_reviewer",
                 "--department", "001", "--password", "long-enough-pw")
    assert result.exit_code == 0, result.output
    assert "目录编目员、部门审核员" in result.output
    user = db.session.scalar(select(User).where(User.username == "wangwu"))
    assert user.role_keys == {"editor", "department_reviewer"}


def test_create_user_with_short_password_is_refused(app):
    result = run(app, "create-user", "lisi", "--name", "李四", "--role", "seeker", "--department", "001",
                 "--password", "short")
    assert result.exit_code == 1 and "「密码」至少 10 位" in result.output
    assert db.session.scalar(select(User).where(User.username == "lisi")) is None


def test_demo_builds_a_published_catalog_once(app):
    result = run(app, "demo", "--entries", "120")
    assert result.exit_code == 0, result.output
    statuses = dict(db.session.execute(select(Entry.status, func.count()).group_by(Entry.status)).all())
    assert sum(statuses.values()) == 120
    assert statuses[EntryStatus.published] >= 110
    again = run(app, "demo", "--entries", "120")
    assert again.exit_code == 0 and "跳过" in again.output
    assert db.session.scalar(select(func.count(Entry.id))) == 120


def test_demo_gives_every_workflow_page_something_to_show(app):
    from app.changes import ChangeEvent
    from app.demands import Demand
    from app.sharing import ShareRequest

    result = run(app, "demo", "--entries", "120")
    assert result.exit_code == 0, result.output
    counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
              for model in (ChangeEvent, ShareRequest, Demand)}
    assert counts == {"change_event": 2, "share_request": 1, "demand": 2}


def test_default_demo_is_a_realistic_catalog(app):
    """≥ 40 departments, ≥ 600 entries over the three classes, every sharing type and format, some open."""
    from app.catalog.models import EntryVersion
    from app.org.models import Department
    from catalog_schema import get_schema

    result = run(app, "demo")
    assert result.exit_code == 0, result.output
    published = select(EntryVersion.data).join(Entry, Entry.published_version_id == EntryVersion.id).where(
        Entry.status == EntryStatus.published)
    rows = db.session.scalars(published).all()
    assert len(rows) >= 600
    assert db.session.scalar(select(func.count(Department.id))) >= 40
    schema = get_schema()
    assert {r["sharing_type"] for r in rows} == {t.code for t in schema.vocabulary("sharing_type").terms}
    categories = {t.code for t in schema.vocabulary("format_category").terms}
    assert {r["format_category"] for r in rows} == categories
    assert 0.05 < sum(1 for r in rows if r["open_to_public"]) / len(rows) < 0.4
    from collections import Counter
    classes = Counter(code[:1] for code in db.session.scalars(select(Entry.category_code)))
    assert {c for c, n in classes.items() if n >= 60} == {"1", "2", "3"}
    assert sum(len(r["data_items"]) for r in rows) / len(rows) > 4
    assert sum(1 for r in rows if r["topic_codes"]) > 50  # basic and department entries cross-listed by topic


def test_demo_follows_its_seeded_plan(app):
    """The same seed gives the same catalog (tests and benchmarks rely on it); another seed another order."""
    from app.demo import generator as demo
    from app.catalog.models import EntryVersion

    run(app, "demo", "--entries", "50")
    templates = demo.load_templates()
    plan = [name for _template, name in demo.plan(templates, 50, demo.DEFAULT_SEED)]
    created = db.session.scalars(select(EntryVersion.name).where(EntryVersion.number == 1)
                                 .order_by(EntryVersion.entry_id)).all()
    assert created == plan
    assert [n for _t, n in demo.plan(templates, 50, demo.DEFAULT_SEED + 1)] != plan


def test_bulk_demo_names_stay_unique_per_department():
    from app.demo import generator as demo
    templates = demo.load_templates()
    pairs = [(t.department_code, name) for t, name in demo.plan(templates, 20000, demo.DEFAULT_SEED)]
    assert len(set(pairs)) == len(pairs)
    assert all(len(name) <= 50 for _d, name in pairs)
