"""The migrations that make a Shared Resource Provider one record (party profile 0004 to 0006,
evidence 0006) keep what was there: each arrangement joins the provider of the same name, or becomes
one; the User Systems run under it point at that provider; the provider's documents stay with it; and
where the two records disagreed, the arrangement's details are kept in the provider's notes.

As in the CIO-led migration test, the data is written through the historical models of the
migrations before, then the migrations run forward as on an upgrade (``transactional_db``)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.personas import make_org
from tests.review.test_cio_led_migration import (  # noqa: F401 (fixtures)
    _audit_log_append_only_again,
    _audit_triggers_lifted,
    _migrate,
)

BEFORE = [("partyprofile", "0003_user_system_ssc_decision"), ("evidence", "0005_document_questions")]


@pytest.mark.usefixtures("_audit_log_append_only_again", "transactional_db", "_audit_triggers_lifted")
def test_arrangements_and_providers_become_one_record():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    org, other = make_org("Alpha Energy Ltd", "org-a"), make_org("Bravo Energy Ltd", "org-b")

    old = _migrate(BEFORE)
    Arrangement = old.get_model("partyprofile", "SrpArrangement")
    System = old.get_model("partyprofile", "UserSystem")
    Provider, Document = old.get_model("evidence", "ThirdPartyProvider"), old.get_model("evidence", "Document")
    northgate = Provider.objects.create(organisation_id=org.pk, name="Northgate SRS", kind="srp",
                                        relationship_start=dt.date(2025, 2, 1), services="Hosts the head-end")
    printer = Provider.objects.create(organisation_id=org.pk, name="Northgate SRS", kind="other")
    statement = Document.objects.create(organisation_id=org.pk, title="Hosting statement", doc_type="standard",
                                        provider=northgate)
    same = Arrangement.objects.create(organisation_id=org.pk, provider_name="northgate srs ",
                                      provider_party_id="SRP-7", start_date=dt.date(2025, 1, 1),
                                      notes="Covers G3 monitoring")
    lone = Arrangement.objects.create(organisation_id=org.pk, provider_name="Lone SRP", start_date=dt.date(2024, 5, 1),
                                      end_date=dt.date(2025, 4, 30))
    theirs = Arrangement.objects.create(organisation_id=other.pk, provider_name="Northgate SRS")
    hosted = System.objects.create(organisation_id=org.pk, name="Head-end", hosting="srp-hosted",
                                   srp_arrangement=same)
    former = System.objects.create(organisation_id=org.pk, name="Old head-end", kind="further",
                                   hosting="srp-hosted", srp_arrangement=lone, ssc_notified_on=dt.date(2024, 4, 1))
    their_system = System.objects.create(organisation_id=other.pk, name="Theirs", hosting="srp-hosted",
                                         srp_arrangement=theirs)
    assert (same.pk, lone.pk) and printer.pk != northgate.pk

    new = _migrate(latest)
    Provider, System = new.get_model("partyprofile", "ThirdPartyProvider"), new.get_model("partyprofile", "UserSystem")
    Document = new.get_model("evidence", "Document")
    with pytest.raises(LookupError):
        new.get_model("partyprofile", "SrpArrangement")
    # The provider of the same name and kind is the arrangement now; its own dates win, the
    # arrangement's different start is kept in its notes with the arrangement's notes.
    merged = Provider.objects.get(pk=northgate.pk)
    assert (merged.kind, merged.party_id, merged.relationship_start, merged.services) == (
        "srp", "SRP-7", dt.date(2025, 2, 1), "Hosts the head-end")
    assert "arrangement from 2025-01-01 to not recorded" in merged.notes and "Covers G3 monitoring" in merged.notes
    assert Document.objects.get(pk=statement.pk).provider_id == merged.pk
    # A provider of another kind with the same name is left alone.
    assert Provider.objects.get(pk=printer.pk).kind == "other"
    # An arrangement with no provider record becomes one, with its dates.
    made = Provider.objects.get(organisation_id=org.pk, name="Lone SRP")
    assert (made.kind, made.relationship_start, made.relationship_end) == (
        "srp", dt.date(2024, 5, 1), dt.date(2025, 4, 30))
    # Each organisation's arrangement stays its own.
    their_provider = Provider.objects.get(organisation_id=other.pk)
    assert their_provider.name == "Northgate SRS" and their_provider.kind == "srp"
    assert dict(System.objects.values_list("pk", "srp_provider_id")) == {
        hosted.pk: merged.pk, former.pk: made.pk, their_system.pk: their_provider.pk}
    assert Provider.objects.count() == 4
