"""Resource codes stay unique when several editors create entries at the same moment."""
import threading

from sqlalchemy import select

from app.catalog import services
from app.catalog.models import Entry
from app.core.db import transaction
from app.extensions import db
from tests.conftest import valid_values

PER_THREAD = 15


def test_concurrent_creation_never_hands_out_the_same_code(app, admin):
    admin_id = admin.id
    db.session.remove()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def create_many(label: str):
        try:
            with app.app_context():
                from app.accounts.models import User
                user = db.session.get(User, admin_id)
                barrier.wait()
                for n in range(PER_THREAD):
                    with transaction():
                        services.create_entry(valid_values(name=f"{label}资源{n}"), user=user)
                db.session.remove()
        except BaseException as error:  # surfaced to the test below
            errors.append(error)

    threads = [threading.Thread(target=create_many, args=(label,)) for label in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    codes = db.session.scalars(select(Entry.resource_code)).all()
    assert len(codes) == 2 * PER_THREAD
    assert sorted(codes) == [f"101001/{n:06d}" for n in range(1, 2 * PER_THREAD + 1)]
