"""Every count the workspace and the questionnaire show is a link to the list filtered to exactly
what it counts: followed, the list shows that many items. The progress box (assessed, the total,
checked, not assessed, not checked, carried forward and not yet confirmed, for the rows and for the
questions) and each section's figures (obligations, assessed, checked, to confirm, not fully
compliant), the rows of no section included. A count of none is shown, not linked."""

from __future__ import annotations

import re
from html import unescape

import pytest

from secassure.assessments import actions
from secassure.assessments.models import ValidationRow
from tests.assessments import helpers, test_bulk
from tests.assessments.test_bulk import _confirm, _url

prepared = test_bulk.prepared  # the fixture: an SSA carried forward, partly confirmed

# A count as a link: the number alone, or the number and what it counts.
_LINK = re.compile(r'<a (?:class="warn-text" )?href="([^"]+)">(\d+)( [^<]+)?</a>')
_HEADINGS = ("Obligations", "Assessed", "Checked", "To confirm", "Not fully compliant")


@pytest.fixture
def varied(prepared, alice, bob):
    """N0 confirmed by Bob and checked by Alice; N1 partial; N5 confirmed as not assessed; N3 and N4
    still carried forward. Sections: G3 (N0, N1, N3), G5 (N4, N5), none (N2). Q0 confirmed and
    checked, Q1 confirmed unanswered, Q2 and Q3 carried forward."""
    actions.check_item(helpers.row(prepared, "N0"), by=alice, revision=2)
    actions.save_row(helpers.row(prepared, "N1"), by=bob, revision=2, status="partial")
    actions.save_row(helpers.row(prepared, "N5"), by=bob, revision=1, status="not-assessed")
    ValidationRow.objects.filter(assessment=prepared, obligation__ref__in=["N4", "N5"]).update(group_ref="G5")
    ValidationRow.objects.filter(assessment=prepared, obligation__ref="N2").update(group_ref="")
    _confirm(prepared, bob, "Q0")
    actions.check_item(helpers.answer(prepared, "Q0"), by=alice, revision=2)
    actions.save_answer(helpers.answer(prepared, "Q1"), by=bob, revision=1, answer="")
    return prepared


def _shown(client, url: str) -> tuple[int, list[str]]:
    page = client.get(url)
    assert page.status_code == 200, url
    html = page.content.decode()
    return html.count('<tr id="item-'), re.findall(r'<td class="ref">([^<]+)</td>', html)


def _follow(client, page_url: str, href: str) -> tuple[int, list[str]]:
    href = unescape(href)
    return _shown(client, page_url.split("?")[0] + href if href.startswith("?") else href)


def _box(html: str) -> str:
    return html.split('id="progress"')[1].split("</div>")[0]


def test_each_count_in_the_progress_box_shows_that_many_rows_and_questions(client, varied, alice):
    client.force_login(alice)
    links = {}
    for base in (_url(varied), _url(varied, "questions/")):
        for href, number, _ in _LINK.findall(_box(client.get(base).content.decode())):
            links[unescape(href)] = int(number)
    rows, questions = _url(varied), _url(varied, "questions/")
    assert links == {
        f"{rows}?assessed=1": 3, rows: 6, f"{rows}?checked=1": 1, f"{rows}?unanswered=1": 1,
        f"{rows}?unchecked=1": 5, f"{rows}?unconfirmed=1": 2,
        f"{questions}?assessed=1": 1, questions: 4, f"{questions}?checked=1": 1, f"{questions}?unanswered=1": 1,
        f"{questions}?unchecked=1": 3, f"{questions}?unconfirmed=1": 2}
    for href, number in links.items():
        assert _follow(client, rows, href)[0] == number, href
    # The items are those counted.
    assert _follow(client, rows, f"{rows}?assessed=1")[1] == ["N0", "N1", "N2"]
    assert _follow(client, rows, f"{rows}?checked=1")[1] == ["N0"]
    assert _follow(client, rows, f"{questions}?assessed=1")[1] == ["Q0"]


def test_each_sections_counts_show_that_many_rows(client, varied, alice):
    client.force_login(alice)
    url = _url(varied)
    html = client.get(url).content.decode()
    table = html.split('<table class="grid compact group-progress">')[1].split("</table>")[0]
    found = {}
    for row in re.findall(r"<tr><td>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        section = re.sub(r"<[^>]+>", "", row.split("</td>")[0])
        cells = re.findall(r'<td class="num">(.*?)</td>', row)
        assert len(cells) == len(_HEADINGS)
        for heading, cell in zip(_HEADINGS, cells, strict=True):
            link = _LINK.fullmatch(cell)
            assert link or cell == "0", (section, heading, cell)  # every count but none is a link
            if link:
                number = int(link.group(2))
                assert _follow(client, url, link.group(1))[0] == number, (section, heading, link.group(1))
                found[(section, heading)] = number
    assert found == {
        ("G3", "Obligations"): 3, ("G3", "Assessed"): 2, ("G3", "Checked"): 1, ("G3", "To confirm"): 1,
        ("G3", "Not fully compliant"): 1,
        ("G5", "Obligations"): 2, ("G5", "To confirm"): 1,
        ("—", "Obligations"): 1, ("—", "Assessed"): 1}
    # The rows of no section are reached by their own filter, not by "all sections".
    assert _shown(client, url + "?group=-")[1] == ["N2"]
    assert _shown(client, url + "?group=G5&unconfirmed=1")[1] == ["N4"]
    assert _shown(client, url + "?group=G3&noncompliant=1")[1] == ["N1"]


def test_the_filters_the_counts_use_are_offered_on_the_page(client, varied, alice):
    client.force_login(alice)
    html = client.get(_url(varied, "?group=-&assessed=1&checked=1&noncompliant=1")).content.decode()
    for name in ("assessed", "checked", "noncompliant"):
        assert f'<input type="checkbox" name="{name}" value="1" checked>' in html
    assert '<option value="-" selected>—</option>' in html
    html = client.get(_url(varied, "questions/?assessed=1&checked=1")).content.decode()
    for name in ("assessed", "checked"):
        assert f'<input type="checkbox" name="{name}" value="1" checked>' in html
