"""Questions answered by their kind: yes or no (with the worrying answer named), a progress status,
or words. What the form offers, what saving accepts, what counts as answered, how answers are shown,
and what carries forward when the catalogue gives a question another kind."""

import re

import pytest
from django.conf import settings

from secassure.assessments import actions, services
from secassure.assessments.forms import AnswerForm, initial_for
from secassure.assessments.models import Assessment, QuestionAnswer
from secassure.catalogue.importers import native
from secassure.catalogue.loader import load
from secassure.catalogue.models import FrameworkVersion, Question
from secassure.cli import shipped_files
from secassure.errors import ActionError
from tests.assessments import helpers

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def k(write, org_a, alice, bob):
    """A draft SSA in preparation on the answer-kinds catalogue: answers K1 to K4."""
    return helpers.kinds_in_preparation(write, org_a, owner=alice, maker=bob)


def _url(a, rest=""):
    return f"/orgs/{a.organisation.slug}/assessments/{a.pk}/{rest}"


def _save(assessment, ref, by, **changes):
    item = helpers.answer(assessment, ref)
    return actions.save_answer(item, by=by, revision=item.revision, **changes)


def _form(assessment, ref):
    item = helpers.answer(assessment, ref)
    return AnswerForm(initial=initial_for(item), organisation=assessment.organisation, item=item)


def test_the_answer_form_offers_the_answers_of_each_kind(k):
    def offered(ref):
        return [value for value, _ in _form(k, ref).fields["answer"].choices]

    assert offered("K1") == offered("K2") == ["", "yes", "no", "partial", "not-applicable"]
    assert offered("K3") == ["", "all-closed", "on-track", "overdue", "not-applicable"]
    words = _form(k, "K4")
    assert "answer" not in words.fields
    assert words.fields["narrative"].label == "Your answer"


def test_the_edit_page_shows_each_question_its_own_choices(client, k, bob):
    client.force_login(bob)

    def page(ref):
        return client.get(_url(k, f"answers/{helpers.answer(k, ref).pk}/")).content.decode()

    def offered(html):
        select = re.search(r'<select name="answer".*?</select>', html, re.S).group(0)
        return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)

    assert offered(page("K1")) == [("", "Not answered"), ("yes", "Yes"), ("no", "No"), ("partial", "Partially"),
                                   ("not-applicable", "Not applicable")]
    assert offered(page("K3")) == [("", "Not answered"), ("all-closed", "All closed"),
                                   ("on-track", "Open and on track"), ("overdue", "Overdue"),
                                   ("not-applicable", "Not applicable")]
    words = page("K4")
    assert 'name="answer"' not in words and "Your answer" in words


def test_a_question_in_words_is_saved_from_its_page_with_its_narrative_only(client, k, bob):
    client.force_login(bob)
    item = helpers.answer(k, "K4")
    saved = client.post(_url(k, f"answers/{item.pk}/"), {"revision": "1", "answer": "yes", "changed": "",
                                                         "narrative": "Run the restore drill every quarter."}, **HX)
    assert saved.status_code == 200
    item.refresh_from_db()
    assert (item.answer, item.narrative) == ("", "Run the restore drill every quarter.")
    assert "cs cs-neutral" in saved.content.decode() and "Answered in words" in saved.content.decode()


@pytest.mark.parametrize(("ref", "value", "message"), [
    ("K3", "yes", "'yes' is not an answer to K3; use one of all-closed, on-track, overdue, not-applicable"),
    ("K1", "overdue", "'overdue' is not an answer to K1; use one of yes, no, partial, not-applicable"),
    ("K4", "no", "K4 is answered in words: write the answer as its narrative and leave the answer empty, not 'no'"),
])
def test_saving_refuses_an_answer_the_kind_does_not_offer(k, bob, ref, value, message):
    with pytest.raises(ActionError) as caught:
        _save(k, ref, bob, answer=value)
    assert str(caught.value) == message
    assert QuestionAnswer.objects.get(pk=helpers.answer(k, ref).pk).revision == 1


def test_saving_accepts_the_answers_of_each_kind(k, bob):
    assert _save(k, "K1", bob, answer="no").answer == "no"
    assert _save(k, "K3", bob, answer="on-track").answer == "on-track"
    assert _save(k, "K3", bob, answer="not-applicable").answer == "not-applicable"
    assert _save(k, "K4", bob, answer="", narrative="Lessons written up").narrative == "Lessons written up"


def test_a_question_in_words_counts_as_answered_only_once_words_are_written(k, bob):
    def answered():
        return services.progress(k)["questions"].assessed

    def missing():
        found = [p for p in actions.problems_before(k, "sign-off") if "not answered" in p]
        return found[0] if found else ""

    assert answered() == 0
    _save(k, "K2", bob, narrative="Reviewed in March")  # words, but no choice: not an answer to a yes-no question
    _save(k, "K4", bob, changed=False)  # saved, nothing written
    assert answered() == 0
    assert missing() == "4 questions not answered: K1, K2, K3, K4"
    _save(k, "K1", bob, answer="yes", changed=True, change_note="Moved to a new data centre")
    _save(k, "K2", bob, answer="yes")
    _save(k, "K3", bob, answer="all-closed")
    assert answered() == 3 and missing() == "1 question not answered: K4"
    _save(k, "K4", bob, narrative="Tabletop exercises now include the DCC")
    assert answered() == 4 and missing() == ""


def _shown(html: str, item) -> tuple[str, str]:
    """The class and words of an answer's badge in the questionnaire table."""
    row = re.search(rf'<tr id="item-{item.pk}".*?</tr>', html, re.S).group(0)
    found = re.search(r'<span class="cs cs-([\w-]+)">([^<]*)</span>', row)
    return found.group(1), found.group(2)


def test_answers_are_shown_by_what_they_mean_for_their_question(client, k, bob):
    _save(k, "K1", bob, answer="no")  # the hosting did not change: good
    _save(k, "K2", bob, answer="no")  # access rights were not reviewed: a concern
    _save(k, "K3", bob, answer="overdue")
    _save(k, "K4", bob, narrative="Shorter call trees")
    client.force_login(bob)
    html = client.get(_url(k, "questions/")).content.decode()
    shown = {ref: _shown(html, helpers.answer(k, ref)) for ref in ("K1", "K2", "K3", "K4")}
    assert shown == {"K1": ("good", "No"), "K2": ("concern", "No"), "K3": ("concern", "Overdue"),
                     "K4": ("neutral", "Answered in words")}
    _save(k, "K1", bob, answer="yes")
    _save(k, "K2", bob, answer="yes")
    _save(k, "K3", bob, answer="on-track")
    html = client.get(_url(k, "questions/")).content.decode()
    shown = {ref: _shown(html, helpers.answer(k, ref)) for ref in ("K1", "K2", "K3")}
    assert shown == {"K1": ("concern", "Yes"), "K2": ("good", "Yes"), "K3": ("partial", "Open and on track")}


def test_the_cio_overview_shows_answers_the_same_way(client, k, bob, alice, carol, dave, settings):
    settings.SECASSURE_REQUIRE_MFA = False  # the display is under test here; MFA has its own tests
    from secassure.review import actions as review

    _save(k, "K1", bob, answer="no")
    _save(k, "K2", bob, answer="no")
    _save(k, "K3", bob, answer="all-closed")
    _save(k, "K4", bob, narrative="Shorter call trees")
    helpers.submit(k, maker=bob, checker=alice, approver=dave)
    review.share(k, carol, by=alice)
    client.force_login(carol)
    html = client.get(_url(k, "review/")).content.decode()
    assert html.count('<span class="cs cs-good">No</span>') == 1
    assert '<span class="cs cs-concern">No</span>' in html
    assert '<span class="cs cs-good">All closed</span>' in html
    assert '<span class="cs cs-neutral">Answered in words</span>' in html
    item = client.get(_url(k, f"review/answers/{helpers.answer(k, 'K4').pk}/")).content.decode()
    assert '<span class="cs cs-neutral">Answered in words</span>' in item


def test_an_installation_on_2026_1_keeps_it_and_loading_adds_the_shipped_one(write, supplier_roles, alice, bob, dave):
    """2026.1 was published before questions had kinds: loading the shipped 2026.4 beside it leaves
    it and its assessments alone, and a new assessment carries forward what its kinds allow."""
    files = {path.name: path for path in shipped_files()}
    load(native.parse_file(str(files["iso27001-2022.yaml"]), settings.SECASSURE_MAX_IMPORT_BYTES))
    older = native.parse_file(str(files["sec-g.yaml"]), settings.SECASSURE_MAX_IMPORT_BYTES)
    older.version = "2026.1"
    for q in older.questions:  # as 2026.1 was written: every question yes-no, worrying on No
        q.answer_kind, q.concern = "yes-no", "no"
    load(older)
    old = FrameworkVersion.objects.get(framework__slug="sec-g", version="2026.1")
    first = actions.create_assessment(supplier_roles, kind="ssa", by=alice, title="SSA 2025").assessment
    assert first.catalogue == old
    actions.move(first, "preparation", by=bob)
    _save(first, "SSA-17", bob, answer="no", narrative="Two findings closed, one open")
    _save(first, "SSA-19", bob, answer="yes", narrative="Call trees were too long")
    helpers.submit(first, maker=bob, checker=alice, approver=dave)

    loaded = load(native.parse_file(str(files["sec-g.yaml"]), settings.SECASSURE_MAX_IMPORT_BYTES))
    assert (loaded.outcome, loaded.label) == ("created", "sec-g@2026.4")
    assert set(Question.objects.filter(version=old).values_list("answer_kind", flat=True)) == {"yes-no"}
    assert FrameworkVersion.objects.in_force("sec-g").version == "2026.4"
    first.refresh_from_db()
    assert first.catalogue == old and helpers.answer(first, "SSA-17").answer == "no"

    second = actions.create_assessment(supplier_roles, kind="ssa", by=alice, title="SSA 2026",
                                       baseline=first).assessment
    assert second.catalogue.version == "2026.4"
    status, words, plain = (helpers.answer(second, ref) for ref in ("SSA-17", "SSA-19", "SSA-01"))
    assert (status.answer, status.narrative) == ("", "Two findings closed, one open")
    assert (words.answer, words.narrative) == ("", "Call trees were too long")
    assert plain.answer == helpers.answer(first, "SSA-01").answer != ""
    assert not status.confirmed and Assessment.objects.count() == 2
