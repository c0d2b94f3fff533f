"""Automatic tenant scoping of the ORM."""

import pytest
from sqlalchemy import delete, func, select, update

from agency.domains.accounts.models import User
from agency.domains.clients.models import Client
from agency.kernel.database import db
from tenants import NoTenant, use_agency

pytestmark = pytest.mark.sqlite


def test_a_tenant_query_with_no_agency_set_raises(agency):
    with pytest.raises(NoTenant):
        db.session.scalars(select(Client)).all()


def test_queries_see_only_the_current_agencys_rows(agency, other_agency):
    with use_agency(agency.agency.id):
        names = db.session.scalars(select(Client.name)).all()
    assert names == ["Alpha Client"]


def test_a_count_that_names_no_entity_is_scoped_too(agency, other_agency):
    counting = select(func.count()).select_from(Client)
    with use_agency(agency.agency.id):
        assert db.session.scalar(counting) == 1
    with pytest.raises(NoTenant):
        db.session.scalar(counting)


def test_get_by_id_of_another_agencys_row_finds_nothing(agency, other_agency):
    db.session.expunge_all()
    with use_agency(agency.agency.id):
        assert db.session.get(Client, other_agency.client.id) is None


def test_relationship_loads_are_scoped_too(agency, other_agency):
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        assert [c.plan_name for c in client.contracts] == ["Alpha Plan"]


def test_new_rows_take_the_current_agency(agency):
    with use_agency(agency.agency.id):
        client = Client(name="New Client")
        db.session.add(client)
        db.session.commit()
        assert client.agency_id == agency.agency.id


def test_a_new_row_with_no_agency_is_refused(app):
    db.session.add(Client(name="Orphan"))
    with pytest.raises(NoTenant):
        db.session.flush()
    db.session.rollback()


def test_a_new_row_for_another_agency_is_refused(agency, other_agency):
    with use_agency(agency.agency.id):
        db.session.add(Client(name="Smuggled", agency_id=other_agency.agency.id))
        with pytest.raises(NoTenant):
            db.session.flush()
        db.session.rollback()


def test_orm_update_and_delete_touch_only_the_current_agency(agency, other_agency):
    with use_agency(agency.agency.id):
        db.session.execute(update(User).values(locale="de"))
        db.session.execute(delete(Client).where(Client.name.like("%Client")))
        db.session.commit()
    with use_agency(other_agency.agency.id):
        assert set(db.session.scalars(select(User.locale))) == {None}
        assert db.session.scalars(select(Client.name)).all() == ["Bravo Client"]
