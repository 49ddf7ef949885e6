"""The catalogue in Django admin: browsable, and read-only once published."""

import pytest
from django.contrib.auth import get_user_model

from secassure.catalogue.models import FrameworkVersion, Obligation
from tests.catalogue.samples import native_yaml


@pytest.fixture
def admin_client_(client, db):
    from tests.personas import give_totp

    user = get_user_model().objects.create_superuser("root@x.test", "root@x.test", "a long admin password")
    give_totp(user)  # administrators must use MFA
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


def test_a_framework_with_published_versions_keeps_its_slug(admin_client_, shipped_catalogue):
    from secassure.catalogue.models import Framework

    iso = Framework.objects.get(slug="iso27001")
    page = admin_client_.get(f"/admin/catalogue/framework/{iso.pk}/change/")
    assert b'name="slug"' not in page.content and b'name="name"' in page.content
    admin_client_.post(f"/admin/catalogue/framework/{iso.pk}/change/",
                       {"slug": "iso-renamed", "name": iso.name, "kind": iso.kind})
    iso.refresh_from_db()
    assert iso.slug == "iso27001"


def test_adding_a_row_to_a_published_version_is_a_form_error(admin_client_, shipped_catalogue):
    from secassure.audit.models import Event

    version = FrameworkVersion.objects.in_force("sec-g")
    events = Event.objects.count()
    response = admin_client_.post("/admin/catalogue/group/add/", {
        "version": version.pk, "ref": "G99", "uid": "G99", "title": "Sneaked in", "summary": "", "depth": 0,
        "order": 0})
    assert response.status_code == 200
    assert b"This version is published and cannot change" in response.content
    assert Event.objects.count() == events


def test_admin_changes_to_a_draft_are_audited(admin_client_, cli, write):
    from secassure.audit.models import Event

    cli("catalogue", "load", write("d.yaml", native_yaml(status="draft")))
    ob = Obligation.objects.get(ref="T1.1")
    data = {"version": ob.version_id, "group": ob.group_id, "ref": ob.ref, "uid": ob.uid, "title": "Alpha (edited)",
            "summary": ob.summary, "guidance": "", "categories": '["large-supplier"]', "roles": '["other-user"]',
            "confidence": "S", "source_url": "", "assessable": "on", "depth": 0, "order": 0, "extra": "{}",
            "mappings_out-TOTAL_FORMS": 0, "mappings_out-INITIAL_FORMS": 0}
    response = admin_client_.post(f"/admin/catalogue/obligation/{ob.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    event = Event.objects.get(action="admin.obligation.changed")
    assert event.before["title"] == "Alpha" and event.after["title"] == "Alpha (edited)"
