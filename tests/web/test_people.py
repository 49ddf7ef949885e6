"""How a person is shown: by name, by address without one, with the address where two offered
share a name; the template filters that every template has without loading them."""

from types import SimpleNamespace

from django.template import engines

from secassure.assessments.forms import RiskForm
from secassure.people import display_name, labels, name_and_email
from tests.personas import join, make_user


def _person(pk, email, first="", last=""):
    return SimpleNamespace(pk=pk, email=email, first_name=first, last_name=last, get_username=lambda: email)


def test_a_person_is_shown_by_name_or_else_by_address():
    assert display_name(_person(1, "alice@a.test", "Alice", "Archer")) == "Alice Archer"
    assert display_name(_person(1, "alice@a.test", "Alice")) == "Alice"
    assert display_name(_person(1, "alice@a.test", "  ", " ")) == "alice@a.test"
    assert display_name(_person(1, "", "", "")) == ""  # falls back to the sign-in name, here empty too
    assert display_name(SimpleNamespace(first_name="", last_name="", email="", get_username=lambda: "root")) == "root"
    assert display_name(None) == ""
    assert name_and_email(_person(1, "alice@a.test", "Alice", "Archer")) == "Alice Archer <alice@a.test>"
    assert name_and_email(_person(1, "alice@a.test")) == "alice@a.test"
    assert name_and_email(None) == ""


def test_two_people_who_share_a_name_are_told_apart_by_address():
    sam, other_sam, alice = (_person(1, "sam@a.test", "Sam", "Smith"), _person(2, "sam.smith@a.test", "Sam", "Smith"),
                             _person(3, "alice@a.test", "Alice", "Archer"))
    assert labels([sam, other_sam, alice]) == {1: "Sam Smith <sam@a.test>", 2: "Sam Smith <sam.smith@a.test>",
                                               3: "Alice Archer"}


def test_the_filters_are_in_every_template_and_escape_what_they_print():
    template = engines["django"].from_string(
        "{{ who|person }}|{{ who|person_and_email }}|{{ who|person:offered }}|{{ nobody|person }}")
    who = _person(1, "eve@a.test", "<b>Eve</b>", "")
    twin = _person(2, "eve2@a.test", "<b>Eve</b>", "")
    text = template.render({"who": who, "offered": [who, twin], "nobody": None})
    assert text == ("&lt;b&gt;Eve&lt;/b&gt;|&lt;b&gt;Eve&lt;/b&gt; <span class=\"muted\">eve@a.test</span>|"
                    "&lt;b&gt;Eve&lt;/b&gt; &lt;eve@a.test&gt;|")


def test_an_owner_picker_tells_namesakes_apart(org_a, alice):
    for email in ("sam@a.test", "sam.smith@a.test"):
        join(make_user(email, first_name="Sam", last_name="Smith"), org_a, "contributor")
    offered = [label for _, label in RiskForm(organisation=org_a).fields["owner"].choices]
    assert offered == ["Nobody", "alice@a.test", "Sam Smith <sam.smith@a.test>", "Sam Smith <sam@a.test>"]
