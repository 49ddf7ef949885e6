"""Running an installation: ``secassure remind`` for the daily digests, ``secassure inbox`` for what a
person has been handed, ``secassure demo`` for the demo story."""

from __future__ import annotations

from typing import Annotated

import typer

from secassure.cli.catalogue import shipped_files
from secassure.cli.common import (
    DryRunOpt,
    JsonOpt,
    cli_context,
    console,
    esc,
    fail,
    max_bytes,
    parse_date,
    print_json,
    progress_bar,
    setup_django,
)
from secassure.wording import plural


def remind(
    on: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD: the day to remind for; today when left "
                                                          "out.")] = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """E-mail each person one digest of what is due or overdue for them (run daily from cron or a
    systemd timer). Running it again the same day sends nothing more."""
    setup_django()
    from django.utils import timezone

    from secassure.reminders.digest import send_digests

    day = parse_date(on, "--date") or timezone.localdate()
    with cli_context(), progress_bar("reminding") as tick:
        run = send_digests(day, dry_run=dry_run, progress=tick)
    if as_json:
        print_json({**run.as_dict(), "dry_run": dry_run})
    else:
        verb = "Would send" if dry_run else "Sent"
        typer.echo(f"{verb} {plural(len(run.sent), 'digest')} for {day.isoformat()}; {run.already} already sent today; "
                   f"{plural(run.nothing_due, 'person', 'people')} with nothing due")
        for failure in run.failed:
            console(stderr=True).print(f"[bold red]not sent:[/] {esc(failure)}")
    if run.failed:
        raise typer.Exit(1)


# --- demo -----------------------------------------------------------------------------------


def demo(
    force: Annotated[bool, typer.Option("--force", help="Load demo data even though DEBUG is off.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load the shipped catalogue and the demo story: two organisations and their people. Safe to run again."""
    setup_django()
    from django.conf import settings

    from secassure.web.demo import load_demo

    if not settings.DEBUG and not force:
        fail("demo data adds an administrator with a published password; it is for development "
              "(SECASSURE_DEBUG=true, as make run sets). Pass --force to load it anyway.")

    with cli_context():
        result = load_demo(shipped_files(), max_bytes())
    if as_json:
        print_json(result)
        return
    for line in result["catalogue"]:
        typer.echo(line)
    for name in result["created"]:
        typer.echo(f"Demo organisation created: {name}")
    typer.echo(f"Demo login: {result['login']['email']} / {result['login']['password']}")
    typer.echo("Everyone in the demo story signs in with the same password:")
    for person in result["people"]:
        typer.echo(f"  {person['email']:40} {person['name']}, {person['what']}")


def inbox(
    email: Annotated[str, typer.Argument(help="The person's e-mail address.")],
    unread: Annotated[bool, typer.Option("--unread", help="Only what they have not read.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List what the workflow's steps handed to a person, newest first."""
    setup_django()
    from django.contrib.auth import get_user_model

    from secassure.inbox.models import Notification

    person = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if person is None:
        fail(f"no person with the address {email!r}")
    found = Notification.objects.filter(recipient=person).select_related("organisation")
    if unread:
        found = found.unread()
    items = [{"kind": n.kind, "organisation": n.organisation.slug, "text": n.text, "url": n.url,
              "created": n.created_at.isoformat(), "read": n.read_at is not None} for n in found.iterator()]
    if as_json:
        print_json(items)
        return
    if not items:
        typer.echo("Nothing unread." if unread else "Nothing has been handed to them yet.")
    for i in items:
        typer.echo(f"{i['created'][:16].replace('T', ' ')} {'   ' if i['read'] else 'new'} {i['organisation']}: "
                   f"{i['text']} ({i['url']})")
