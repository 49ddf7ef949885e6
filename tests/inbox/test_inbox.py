"""The inbox: who a notification reaches (never anyone outside the organisation's door, never the
person who acted), the e-mail each person chose, the unread count in the header, and the pages."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.inbox import actions
from secassure.inbox.models import Notification
from secassure.tenancy.access import APPROVE_ASSESSMENTS, CHECK_ASSESSMENTS


def _notify(org, people, by=None, text="Ready for your sign-off: SSA 2026"):
    return actions.notify(org, people, kind="sign-off", text=text, url=f"/orgs/{org.slug}/", by=by)


def test_members_who_may_follow_the_roles_table(org_a, alice, bob, carol, dave, olive, mallory):
    assert set(actions.members_who_may(org_a, APPROVE_ASSESSMENTS)) == {dave}
    assert set(actions.members_who_may(org_a, CHECK_ASSESSMENTS)) == {alice, bob, dave}
    bob.is_active = False
    bob.save()
    assert set(actions.members_who_may(org_a, CHECK_ASSESSMENTS)) == {alice, dave}


def test_no_one_outside_the_door_and_not_the_person_who_acted(django_capture_on_commit_callbacks, org_a, alice,
                                                              dave, mallory, consultant):
    with django_capture_on_commit_callbacks(execute=True):
        made = _notify(org_a, [alice, dave, mallory, consultant, None], by=alice)
    assert [n.recipient for n in made] == [dave]
    assert Notification.objects.get().recipient == dave
    assert [m.to for m in mail.outbox] == [[dave.email]]
    assert "Ready for your sign-off: SSA 2026" in mail.outbox[0].subject
    assert "/orgs/org-a/" in mail.outbox[0].body and "Alpha Energy Ltd" in mail.outbox[0].body
    assert Notification.objects.get().emailed_at is not None


def test_a_step_that_rolls_back_leaves_no_notification_and_sends_nothing(django_capture_on_commit_callbacks,
                                                                         org_a, dave):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            _notify(org_a, [dave])
            raise RuntimeError("the step failed")
    assert not Notification.objects.exists() and not mail.outbox


@pytest.mark.parametrize(("delivery", "mailed"), [("immediate", True), ("digest", False), ("none", False)])
def test_each_person_chooses_how_they_hear(django_capture_on_commit_callbacks, org_a, dave, delivery, mailed):
    actions.set_delivery(delivery, by=dave)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org_a, [dave])
    assert bool(mail.outbox) is mailed
    assert Notification.objects.filter(recipient=dave).count() == 1  # the inbox has it whatever the choice


def test_a_mail_server_that_fails_leaves_it_for_the_digest(django_capture_on_commit_callbacks, org_a, dave,
                                                           settings):
    settings.EMAIL_BACKEND = "tests.failing_mail.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org_a, [dave])
    assert Notification.objects.get().emailed_at is None


def test_choosing_is_audited_once_and_checked(dave):
    actions.set_delivery("digest", by=dave)
    actions.set_delivery("digest", by=dave)  # unchanged: nothing more written
    assert Event.objects.filter(action="inbox.delivery.changed").count() == 1
    with pytest.raises(ActionError, match="not a choice"):
        actions.set_delivery("pigeon", by=dave)
    with pytest.raises(ActionError, match="sign in"):
        actions.set_delivery("digest", by=None)


def test_the_header_counts_unread_and_the_inbox_leads_to_the_place_to_act(client, settings, org_a, alice, dave):
    settings.SECASSURE_REQUIRE_MFA = False
    first = _notify(org_a, [dave], text="Ready for your sign-off: SSA 2026")[0]
    _notify(org_a, [dave], text="Ready for your sign-off: VUSA 2026")
    _notify(org_a, [alice], text="Someone else's")
    client.force_login(dave)
    home = client.get("/").content.decode()
    assert 'aria-label="2 unread"' in home
    page = client.get("/inbox/").content.decode()
    assert "SSA 2026" in page and "VUSA 2026" in page and "Someone else&#x27;s" not in page
    opened = client.get(f"/inbox/{first.pk}/")
    assert opened.status_code == 302 and opened["Location"] == "/orgs/org-a/"
    assert 'aria-label="1 unread"' in client.get("/").content.decode()
    assert "SSA 2026" not in client.get("/inbox/?show=unread").content.decode()
    client.post("/inbox/read/", {"all": "1"})
    assert "unread" not in client.get("/").content.decode().split("<main")[0]
    assert not Notification.objects.filter(recipient=dave).unread().exists()
    assert Notification.objects.filter(recipient=alice).unread().count() == 1  # theirs are untouched


def test_another_persons_notification_is_not_there(client, settings, org_a, alice, dave):
    settings.SECASSURE_REQUIRE_MFA = False
    theirs = _notify(org_a, [alice])[0]
    client.force_login(dave)
    assert client.get(f"/inbox/{theirs.pk}/").status_code == 404
    client.post("/inbox/read/", {"id": [str(theirs.pk)]})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_delivery_choice_from_the_page(client, settings, dave):
    settings.SECASSURE_REQUIRE_MFA = False
    client.force_login(dave)
    page = client.get("/inbox/").content.decode()
    assert 'value="immediate" checked' in page
    client.post("/inbox/delivery/", {"delivery": "digest"})
    assert 'value="digest" checked' in client.get("/inbox/").content.decode()
    refused = client.post("/inbox/delivery/", {"delivery": "pigeon"}, follow=True).content.decode()
    assert "not a choice" in refused


def test_the_inbox_needs_a_sign_in(client):
    assert client.get("/inbox/").status_code == 302


def test_the_command_line_lists_a_persons_inbox(cli, org_a, dave, alice):
    first = _notify(org_a, [dave], text="Ready for your sign-off: SSA 2026")[0]
    _notify(org_a, [dave], text="Ready for your sign-off: VUSA 2026")
    _notify(org_a, [alice], text="Alice's own")
    actions.mark_read(dave, [first.pk])
    listed = cli("inbox", "DAVE@a.test", "--json")
    assert listed.exit_code == 0
    items = listed.json()
    assert [i["text"] for i in items] == ["Ready for your sign-off: VUSA 2026", "Ready for your sign-off: SSA 2026"]
    assert set(items[0]) == {"kind", "organisation", "text", "url", "created", "read"}
    assert (items[0]["kind"], items[0]["organisation"], items[0]["url"], items[0]["read"]) == (
        "sign-off", "org-a", "/orgs/org-a/", False)
    assert items[1]["read"] is True
    assert [i["text"] for i in cli("inbox", dave.email, "--unread", "--json").json()] == [
        "Ready for your sign-off: VUSA 2026"]
    assert "new org-a: Ready for your sign-off: VUSA 2026" in cli("inbox", dave.email).stdout
    missing = cli("inbox", "nobody@x.test")
    assert missing.exit_code == 1 and "no person" in missing.stderr


def test_the_daily_digest_carries_what_was_not_e_mailed(django_capture_on_commit_callbacks, org_a, alice, bob,
                                                        dave, olive):
    import datetime as dt

    from secassure.reminders.digest import send_digests

    actions.set_delivery("digest", by=dave)
    actions.set_delivery("none", by=olive)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org_a, [dave, olive, bob], text="Ready for your sign-off: SSA 2026")
    assert [m.to for m in mail.outbox] == [[bob.email]]  # bob hears at once, the default
    mail.outbox.clear()
    run = send_digests(dt.date(2026, 12, 4))
    assert [entry["email"] for entry in run.sent] == [dave.email]
    (digest,) = mail.outbox
    assert "1 handed to you" in digest.subject and "Alpha Energy Ltd: Ready for your sign-off: SSA 2026" in digest.body
    assert Notification.objects.get(recipient=dave).emailed_at is not None
    assert Notification.objects.get(recipient=olive).emailed_at is None  # only in the inbox, as chosen
    mail.outbox.clear()
    assert not send_digests(dt.date(2026, 12, 5)).sent  # carried once, not every day
