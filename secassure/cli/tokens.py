"""``secassure token``: personal access tokens of the JSON API, made, listed and revoked by the
operator for a person (who can also do all three on their own account page)."""

from __future__ import annotations

from typing import Annotated

import typer

from secassure.cli.common import JsonOpt, act, console, esc, fail, find_org, print_json, setup_django

token_app = typer.Typer(help="Personal access tokens of the JSON API (/api/v1/).", no_args_is_help=True)


def _find_person(email: str):
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if found is None:
        fail(f"nobody signs in as {email!r}; invite them first (`secassure user invite`)")
    return found


def _token_dict(token, now) -> dict:
    return {"id": token.pk, "name": token.name, "person": token.user.email, "organisation": token.organisation.slug,
            "prefix": token.prefix, "read_only": token.read_only, "state": token.state(now),
            "created": token.created_at.isoformat(), "expires": token.expires_at.isoformat(),
            "last_used": token.last_used_at.isoformat() if token.last_used_at else None,
            "last_used_from": token.last_used_from}


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="The person the token acts as.")],
    org: Annotated[str, typer.Option("--org", help="The organisation it works in (slug or id).")],
    name: Annotated[str, typer.Option("--name", help="What will use it, e.g. \"tracker sync\".")],
    read_only: Annotated[bool, typer.Option("--read-only", help="It reads and changes nothing.")] = False,
    expires: Annotated[int, typer.Option("--expires", help="Days until it expires (1 to 366).")] = 90,
    as_json: JsonOpt = False,
) -> None:
    """Make a token for a person in one organisation; the token is printed once and never again."""
    setup_django()
    from secassure.api.tokens import create_token

    person, found = _find_person(email), find_org(org)
    token, plain = act(create_token, person, found, by=None, name=name, read_only=read_only, days=expires)
    if as_json:
        print_json({"token": plain, "id": token.pk, "expires": token.expires_at.isoformat()})
        return
    con = console()
    con.print(esc(f"Token {token.pk} for {person.email} in {found.name}, "
                  f"{'read only' if token.read_only else 'read and write'}, expires {token.expires_at:%Y-%m-%d}."))
    con.print("Shown once, copy it now:")
    typer.echo(plain)


@token_app.command("list")
def token_list(
    email: Annotated[str | None, typer.Option("--person", help="Only this person's tokens.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Only tokens for this organisation.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Tokens with their state and when they were last used (never the tokens themselves)."""
    setup_django()
    from django.utils import timezone

    from secassure.api.models import AccessToken

    tokens = AccessToken.objects.select_related("user", "organisation").order_by("id")
    if email:
        tokens = tokens.filter(user=_find_person(email))
    if org:
        tokens = tokens.filter(organisation=find_org(org))
    now = timezone.now()
    rows = [_token_dict(t, now) for t in tokens]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table("Id", "Name", "Person", "Organisation", "Access", "State", "Expires", "Last used")
    for r in rows:
        table.add_row(str(r["id"]), esc(r["name"]), esc(r["person"]), esc(r["organisation"]),
                      "read only" if r["read_only"] else "read and write", r["state"], r["expires"][:10],
                      esc(f"{r['last_used'][:16]} from {r['last_used_from'] or '?'}") if r["last_used"] else "never")
    console().print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (`secassure token list`).")],
    as_json: JsonOpt = False,
) -> None:
    """Revoke a token at once."""
    setup_django()
    from django.utils import timezone

    from secassure.api.models import AccessToken
    from secassure.api.tokens import revoke_token

    token = AccessToken.objects.select_related("user", "organisation").filter(pk=token_id).first()
    if token is None:
        fail(f"no token {token_id}; `secassure token list` shows them")
    token = act(revoke_token, token, by=None)
    if as_json:
        print_json(_token_dict(token, timezone.now()))
        return
    console().print(esc(f"Token {token.pk} ({token.name}) of {token.user.email} is revoked."))
