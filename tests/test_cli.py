"""`flask --app wsgi catalog …` commands."""
from sqlalchemy import func, select

from app.accounts.models import Role, User
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
    assert user.role == Role.editor and user.check_password("long-enough-pw")


def test_create_user_with_short_password_is_refused(app):
    result = run(app, "create-user", "lisi", "--name", "李四", "--role", "seeker", "--department", "001",
                 "--password", "short")
    assert result.exit_code == 1 and "「密码」至少 8 位" in result.output
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
