"""Migration 0013 adds regions and lets a department's 统一社会信用代码 wait (NULL, still unique and 18 characters
when given), with a deployment's departments in place; and takes it back once every code is filled in."""
import pytest
from alembic import command
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db

DEPARTMENT = ("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level{extra}) "
              "VALUES ({id}, '{code}', '{name}', '', '', {credit}, '{level}'{extra_value})")


def rows(sql: str):
    return [tuple(r) for r in db.session.execute(text(sql)).all()]


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def refused(sql: str) -> None:
    with pytest.raises(IntegrityError):
        db.session.execute(text(sql))
        db.session.commit()
    db.session.rollback()


def test_0013_upgrades_and_downgrades_with_departments_in_place(empty_app):
    upgrade(revision="0012")
    run = lambda sql: db.session.execute(text(sql))
    run(DEPARTMENT.format(id=1, code="006", name="市公安局", credit="'11440100MB2C92412X'", level="city",
                          extra="", extra_value=""))
    db.session.commit()
    upgrade()
    assert "region" in tables()
    assert rows("SELECT code, credit_code, region_id FROM department") == [("006", "11440100MB2C92412X", None)]

    run("INSERT INTO region (id, code, name, level, category_code) VALUES (1, '990000', '测试省', 'province', '307010')")
    run("INSERT INTO region (id, code, name, level, parent_id, category_code) "
        "VALUES (2, '990100', '甲市', 'city', 1, '307011')")
    for n, credit in ((2, "NULL"), (3, "NULL")):  # any number of departments may wait for their code
        run(DEPARTMENT.format(id=n, code=f"90{n}", name=f"省局{n}", credit=credit, level="province",
                              extra=", region_id", extra_value=", 1"))
    db.session.commit()
    # given, a code is still unique and 18 characters long
    refused(DEPARTMENT.format(id=4, code="904", name="甲市局", credit="'11440100MB2C92412X'", level="city",
                              extra="", extra_value=""))
    refused(DEPARTMENT.format(id=4, code="904", name="甲市局", credit="'1144'", level="city", extra="",
                              extra_value=""))
    refused(DEPARTMENT.format(id=4, code="904", name="甲市局", credit="''", level="city", extra="", extra_value=""))

    # refused while a code is missing (`flask db downgrade` prints the message and exits with status 1)
    with pytest.raises(RuntimeError, match="2 个部门的统一社会信用代码待补充（省局2、省局3），旧版本不能保存"):
        command.downgrade(empty_app.extensions["migrate"].migrate.get_config(), "0012")
    db.session.remove()
    assert "region" in tables()  # nothing was undone
    run("UPDATE department SET credit_code = '11440100MB2C92413X' WHERE id = 2")
    run("DELETE FROM department WHERE id = 3")
    db.session.commit()
    db.session.remove()

    downgrade(revision="0012")
    assert "region" not in tables()
    assert "region_id" not in {c["name"] for c in inspect(db.engine).get_columns("department")}
    # the old version knows no provinces: a province's department becomes a city's
    assert rows("SELECT id, credit_code, region_level FROM department ORDER BY id") == [
        (1, "11440100MB2C92412X", "city"), (2, "11440100MB2C92413X", "city")]
    refused(DEPARTMENT.format(id=5, code="905", name="市新局", credit="NULL", level="city", extra="", extra_value=""))
    db.session.remove()
