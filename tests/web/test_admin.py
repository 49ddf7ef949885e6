"""The catalogue in Django admin: browsable, and read-only once published."""

import pytest
from django.contrib.auth import get_user_model

from secassure.catalogue.models import FrameworkVersion, Obligation
from tests.catalogue.samples import native_yaml


@pytest.fixture
def admin_client_(client, db):
    user = get_user_model().objects.create_superuser("root@x.test", "root@x.test", "a long admin password")
    client.force_login(user)
    return client


def test_published_obligations_are_view_only(admin_client_, shipped_catalogue):
    ob = Obligation.objects.get(version__framework__slug="sec-g", ref="G5.14")
    listing = admin_client_.get("/admin/catalogue/obligation/", {"q": "G5.14"})
    assert listing.status_code == 200 and b"G5.14" in listing.content
    page = admin_client_.get(f"/admin/catalogue/obligation/{ob.pk}/change/")
    assert page.status_code == 200
    assert b'name="title"' not in page.content  # no editable field
    post = admin_client_.post(f"/admin/catalogue/obligation/{ob.pk}/change/", {"title": "hacked"})
    assert post.status_code == 403
    assert admin_client_.post(f"/admin/catalogue/obligation/{ob.pk}/delete/", {"post": "yes"}).status_code == 403
    version = FrameworkVersion.objects.in_force("sec-g")
    assert admin_client_.post(f"/admin/catalogue/frameworkversion/{version.pk}/delete/",
                              {"post": "yes"}).status_code == 403
    ob.refresh_from_db()
    assert ob.title != "hacked"


def test_draft_obligations_are_editable(admin_client_, cli, write):
    cli("catalogue", "load", write("d.yaml", native_yaml(status="draft")))
    ob = Obligation.objects.get(ref="T1.1")
    page = admin_client_.get(f"/admin/catalogue/obligation/{ob.pk}/change/")
    assert b'name="title"' in page.content


def test_audit_events_are_view_only_in_admin(admin_client_, shipped_catalogue):
    page = admin_client_.get("/admin/audit/event/")
    assert page.status_code == 200 and b"catalogue.version.loaded" in page.content
    assert admin_client_.get("/admin/audit/event/add/").status_code == 403
