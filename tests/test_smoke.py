import pytest

from tests.conftest import sign_in

pytestmark = pytest.mark.sqlite


def test_owner_signs_in_and_sees_the_console(client, agency):
    sign_in(client, agency.owner)
    page = client.get("/console/")
    assert page.status_code == 200
    assert "Alpha Client" in page.get_data(as_text=True)
