"""Assessments and what follows their submission: ``secassure assessment``, ``review``, ``outcome``
and ``remediation``."""

from __future__ import annotations

from typing import Annotated

import typer

from secassure.cli.common import (
    JsonOpt,
    act,
    console,
    fail,
    find_assessment,
    find_org,
    parse_date,
    print_json,
    setup_django,
)
from secassure.wording import plural

assessment_app = typer.Typer(help="Assessments: the self-assessment workspace, its rows, answers and progress.",
                             no_args_is_help=True)
review_app = typer.Typer(help="The User CIO's review of a submitted assessment.", no_args_is_help=True)
outcome_app = typer.Typer(help="The SSC's outcome of a submitted assessment.", no_args_is_help=True)
remediation_app = typer.Typer(help="Findings and the remediation plan the SSC asked for.", no_args_is_help=True)


@assessment_app.command("create")
def assessment_create(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    kind: Annotated[str, typer.Option("--type", help="fusa, vusa, ssa, follow-up or cio-compliance.")],
    baseline: Annotated[int | None, typer.Option("--baseline", help="Id of the submitted assessment to "
                                                                     "compare with and carry forward.")] = None,
    title: Annotated[str, typer.Option("--title", help="A name; made up when left out.")] = "",
    cycle_year: Annotated[int | None, typer.Option("--cycle-year", help="1, 2 or 3.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an assessment: a row per applicable obligation and an answer per applicable question,
    with the baseline's answers and evidence carried forward, unconfirmed."""
    setup_django()
    from secassure.assessments.actions import create_assessment

    organisation = find_org(org)
    base = find_assessment(str(baseline)) if baseline is not None else None
    created = act(create_assessment, organisation, kind=kind, by=None, baseline=base, title=title,
                  cycle_year=cycle_year)
    data = {**created.assessment.as_dict(), "rows": created.rows, "answers": created.answers,
            "carried_forward": {"rows": created.carried_rows, "answers": created.carried_answers,
                                "links": created.carried_links}, "warnings": created.warnings}
    if as_json:
        print_json(data)
        return
    typer.echo(f"Created assessment {created.assessment.pk}: {created.assessment.title} with {created.rows} rows "
               f"and {created.answers} questions")
    if base is not None:
        typer.echo(f"Carried forward from {base.title}: {created.carried_rows} rows, {created.carried_answers} "
                   f"answers and {created.carried_links} evidence links, all to confirm")
    for warning in created.warnings:
        console(stderr=True).print(f"[yellow]warning:[/] {warning}")


@assessment_app.command("list")
def assessment_list(org: Annotated[str, typer.Argument(help="Slug or id.")], as_json: JsonOpt = False) -> None:
    """List an organisation's assessments, newest first, with their progress."""
    setup_django()
    from secassure.assessments.services import progress_many

    organisation = find_org(org)
    assessments = list(organisation.assessments.select_related("catalogue__framework").order_by("-created_at"))
    figures = progress_many(assessments)
    rows = [{**a.as_dict(), "progress": figures[a.pk]} for a in assessments]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("No assessments.")
    for r in rows:
        p = r["progress"]
        typer.echo(f"{r['id']}\t{r['title']}\t{r['type']}\t{r['status']}\t{p['assessed']}/{p['total']} rows assessed")


@assessment_app.command("show")
def assessment_show(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    as_json: JsonOpt = False,
) -> None:
    """An assessment with its progress per section, its rows and its answers."""
    setup_django()
    from secassure.assessments.services import export

    data = export(find_assessment(assessment_id))
    if as_json:
        print_json(data)
        return
    a = data["assessment"]
    typer.echo(f"{a['title']} ({a['type']}, {a['status']}) on {a['catalogue']}")
    who = {"user": "the User", "cio": "the User CIO"}.get(a["conducted_by"], "not known (load the assessment rules)")
    typer.echo(f"  conducted by {who}")
    for ref, p in data["progress"]["groups"].items():
        typer.echo(f"  {ref or '-'}: {p['assessed']}/{p['total']} assessed, {p['checked']} checked"
                   + (f", {p['unconfirmed']} to confirm" if p["unconfirmed"] else ""))
    q = data["progress"]["questions"]
    typer.echo(f"  questions: {q['assessed']}/{q['total']} answered, {q['checked']} checked")


@assessment_app.command("set")
def assessment_set(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    fieldwork_start: Annotated[str | None, typer.Option(
        "--fieldwork-start", help="First day of the CIO's fieldwork (YYYY-MM-DD), once it has happened.")] = None,
    fieldwork_end: Annotated[str | None, typer.Option(
        "--fieldwork-end", help="Last day of the CIO's fieldwork (YYYY-MM-DD): the next assessment falls due "
                                "within 12 months of it (G8.40).")] = None,
    title: Annotated[str | None, typer.Option(help="A new title.")] = None,
    booking_reference: Annotated[str | None, typer.Option(
        "--booking-reference", help="SECAS's booking reference.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an assessment's details: its fieldwork dates (at any stage) and, until it is submitted,
    its title and booking reference. What is not given stays as it is."""
    setup_django()
    from secassure.assessments.actions import update_details

    assessment = find_assessment(assessment_id)
    changes = {"fieldwork_start": parse_date(fieldwork_start, "the fieldwork's start"),
               "fieldwork_end": parse_date(fieldwork_end, "the fieldwork's end"),
               "title": title, "booking_reference": booking_reference}
    changes = {field: value for field, value in changes.items() if value is not None}
    if not changes:
        fail("give at least one of --fieldwork-start, --fieldwork-end, --title, --booking-reference")
    updated = act(update_details, assessment, by=None, **changes)
    if as_json:
        print_json(updated.as_dict())
        return
    start, end = updated.as_dict()["fieldwork"]
    typer.echo(f"{updated.title}: fieldwork {start or 'not recorded'} to {end or 'not recorded'}")


@assessment_app.command("compare")
def assessment_compare(
    first: Annotated[str, typer.Argument(metavar="ID1", help="The earlier assessment.")],
    second: Annotated[str, typer.Argument(metavar="ID2", help="The later assessment.")],
    as_json: JsonOpt = False,
) -> None:
    """What moved between two assessments of one organisation: statuses, answers, risks, evidence."""
    setup_django()
    from django.utils import timezone

    from secassure.assessments.services import compare

    one, two = find_assessment(first), find_assessment(second)
    if one.organisation_id != two.organisation_id:
        fail("the two assessments belong to different organisations")
    result = compare(one, two, timezone.localdate()).as_dict()
    if as_json:
        print_json(result)
        return
    typer.echo(f"From {one.title} to {two.title}")
    for c in result["status_changes"]:
        typer.echo(f"  status {c['ref']}: {c['before'] or 'not in scope'} -> {c['after'] or 'not in scope'}")
    for c in result["answer_changes"]:
        before = (c["before"] or {}).get("answer") or "-"
        after = (c["after"] or {}).get("answer") or "-"
        typer.echo(f"  answer {c['ref']}: {before} -> {after}")
    for r in result["risk_movements"]:
        typer.echo(f"  risk {r['ref']} {r['movement']}: {r['before'] or '-'} -> {r['after'] or '-'}")
    for e in result["evidence"]:
        typer.echo(f"  evidence {e['ref']} {e['document']}: {e['change']}")
    if not any(result[k] for k in ("status_changes", "answer_changes", "risk_movements", "evidence")):
        typer.echo("  nothing moved")


# --- review, outcome, remediation ------------------------------------------------------------------


@review_app.command("share")
def review_share(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The submitted assessment's id.")],
    email: Annotated[str, typer.Option("--with", help="The CIO reviewer's email; they must hold the CIO "
                                                      "reviewer role in the organisation.")],
    as_json: JsonOpt = False,
) -> None:
    """Share a submitted assessment with a CIO reviewer (the first share starts the CIO review)."""
    setup_django()
    from django.contrib.auth import get_user_model

    from secassure.review.actions import share

    assessment = find_assessment(assessment_id)
    reviewer = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if reviewer is None:
        fail(f"nobody signs in as {email!r}: invite them as CIO reviewer first (secassure user invite)")
    found = act(share, assessment, reviewer, by=None)
    assessment.refresh_from_db()
    data = {"assessment": assessment.pk, "reviewer": reviewer.email, "status": assessment.status,
            "shared_at": found.shared_at.isoformat()}
    if as_json:
        print_json(data)
        return
    typer.echo(f"Shared {assessment.title} with {reviewer.email}; the assessment is {assessment.get_status_display()}")


@outcome_app.command("record")
def outcome_record(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The submitted assessment's id.")],
    decision: Annotated[str, typer.Option("--decision", help="satisfactory, actions or cio-assessment.")],
    received_on: Annotated[str | None, typer.Option("--received", help="YYYY-MM-DD; today when left out.")] = None,
    sent_on: Annotated[str | None, typer.Option("--sent", help="YYYY-MM-DD: when the assessment went to the SSC "
                                                               "with the CIO's final comments.")] = None,
    reference: Annotated[str, typer.Option("--reference", help="The SSC's reference.")] = "",
    text: Annotated[str, typer.Option("--text", help="The decision in the SSC's words.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record the SSC's decision: satisfactory closes the assessment, actions opens a remediation
    plan, cio-assessment creates the formal CIO assessment with this one as its baseline."""
    setup_django()
    from django.utils import timezone

    from secassure.review.actions import record_outcome

    assessment = find_assessment(assessment_id)
    day = parse_date(received_on, "--received") or timezone.localdate()
    sent = parse_date(sent_on, "--sent")
    outcome = act(record_outcome, assessment, by=None, decision=decision, received_on=day, reference=reference,
                  text=text, sent_on=sent)
    data = {"assessment": assessment.pk, "decision": outcome.decision, "clause": outcome.clause or None,
            "rule": outcome.rule_id, "sent_on": sent.isoformat() if sent else None, "received_on": day.isoformat(),
            "follow_up": outcome.follow_up_id}
    if as_json:
        print_json(data)
        return
    clause = f" ({outcome.clause})" if outcome.clause else ""
    typer.echo(f"{assessment.title}: {outcome.get_decision_display()}{clause} recorded")
    if outcome.follow_up_id:
        typer.echo(f"Created assessment {outcome.follow_up_id}: {outcome.follow_up.title}")


@remediation_app.command("show")
def remediation_show(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    as_json: JsonOpt = False,
) -> None:
    """An assessment's findings, remediation plan, actions, progress reports and director's letters."""
    setup_django()
    from secassure.review.attention import findings_and_actions

    assessment = find_assessment(assessment_id)
    data = findings_and_actions(assessment)
    if as_json:
        print_json(data)
        return
    typer.echo(f"{assessment.title}: {plural(len(data['findings']), 'finding')}, {plural(len(data['plans']), 'plan')}")
    for finding in data["findings"]:
        typer.echo(f"  {finding['ref']} {finding['status']}: {finding['description'][:80]}")
    for plan in data["plans"]:
        typer.echo(f"  plan v{plan['version']} {plan['status']}: {plural(len(plan['actions']), 'action')}")
        for action in plan["actions"]:
            typer.echo(f"    {action['target_date']} {action['status']}: {action['description'][:70]}")
