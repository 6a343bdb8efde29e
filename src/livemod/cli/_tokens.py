"""``livemod tokens``: make, list and revoke API tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from livemod.cli._app import _settings, app, fail
from livemod.cli._logging import stderr

tokens_app = typer.Typer(
    help="Make, list and revoke API tokens (worker, operator, moderator, mcn, admin).", no_args_is_help=True
)
app.add_typer(tokens_app, name="tokens", rich_help_panel="Review API")


@tokens_app.command("create")
def tokens_create(
    role: Annotated[
        str,
        typer.Option(
            help="worker (posts findings), operator (live warnings for its --room), "
            "moderator (reads and decides everything), mcn (its --anchor's sessions and reports), "
            "admin (everything, and tokens and anchors)."
        ),
    ],
    name: Annotated[str, typer.Option(help="Who or what holds it; shown in the audit trail.")] = "",
    room: Annotated[
        list[str] | None,
        typer.Option("--room", help="A room an operator token may see; repeat for several."),
    ] = None,
    anchor: Annotated[
        list[str] | None,
        typer.Option("--anchor", help="An anchor an mcn token represents; repeat for several."),
    ] = None,
) -> None:
    """Make a token. It is printed once, alone on the last line, and stored only as a hash."""
    from livemod.review import ROLES, create_token
    from livemod.store import Database

    if role not in ROLES:
        raise fail(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}", 2)
    db = Database(_settings().database_url)
    with db.session() as s:
        try:
            row, secret = create_token(s, role, name, room or (), anchor or ())
        except ValueError as exc:
            raise fail(str(exc), 2) from exc
        scope = f" for room(s) {', '.join(row.rooms)}" if row.rooms else ""
        scope += f" for anchor(s) {', '.join(row.anchors)}" if row.anchors else ""
        stderr.print(
            f"created {row.role} token #{row.id} ({row.name}){scope}; it is shown only now:", highlight=False
        )
    db.dispose()
    typer.echo(secret)


@tokens_app.command("list")
def tokens_list() -> None:
    """List tokens (never their secrets)."""
    from sqlalchemy import select

    from livemod.store import ApiToken, Database

    db = Database(_settings().database_url)
    with db.session() as s:
        for t in s.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = "revoked" if t.revoked_at else "active"
            rooms = ",".join([*(t.rooms or []), *(t.anchors or [])]) or "*"
            typer.echo(
                f"#{t.id}\t{t.role}\t{t.name}\t{rooms}\t{t.prefix}…\t{state}\t{t.created_at:%Y-%m-%d %H:%M}"
            )
    db.dispose()


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="The #id from `tokens list`.")]) -> None:
    """Revoke a token; requests with it get 401 from then on."""
    from livemod.review import revoke_token
    from livemod.store import Database

    db = Database(_settings().database_url)
    with db.session() as s:
        ok = revoke_token(s, token_id)
    db.dispose()
    if not ok:
        raise fail(f"no active token #{token_id}")
    typer.echo(f"revoked #{token_id}")
