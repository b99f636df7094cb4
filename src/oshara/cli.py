"""``oshara`` command line: serve, migrate, users, apikeys, demo, plus models and chat."""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from oshara.config import Settings, get_settings

T = TypeVar("T")


def _run(fn: Callable[[Settings], Coroutine[Any, Any, T]], *, create: bool = False) -> T:
    """Run ``fn`` on the server's database, named on stderr. Only ``create`` commands
    (migrate, demo; serve does the same) may create a database that does not exist yet."""
    settings = get_settings()
    click.echo(f"database: {database_label(settings)}", err=True)
    if not create:
        if settings.is_sqlite and not Path(database_label(settings)).is_file():
            raise click.ClickException(
                f"no Oshara database at {database_label(settings)}. {_where_hint(settings)}"
            )
        asyncio.run(_require_database(settings))
    settings.ensure_secret()
    return asyncio.run(fn(settings))


def database_label(settings: Settings) -> str:
    """The database a command opens: the SQLite file's absolute path, or the URL without its
    password."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if settings.is_sqlite:
        return str(Path(url.database or "").resolve())
    return url.render_as_string(hide_password=True)


def _where_hint(settings: Settings) -> str:
    return (
        f"OSHARA_DATA_DIR is {settings.data_dir} (relative to the current directory "
        f"{Path.cwd()}). Run this command where `oshara serve` runs (its .env is read from "
        "there), set OSHARA_DATA_DIR or OSHARA_DATABASE_URL to the server's, or create a new "
        "database with `oshara migrate`."
    )


async def _require_database(settings: Settings) -> None:
    """Refuse (exit 1) unless the database exists and has been migrated: a command run from
    another directory must not silently create an empty ``./data/oshara.db``."""
    from sqlalchemy import inspect

    from oshara.db.engine import create_engine

    label, hint = database_label(settings), _where_hint(settings)
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            migrated = await conn.run_sync(lambda c: inspect(c).has_table("alembic_version"))
    except Exception as exc:  # unreachable server, wrong password, …: say which, not a trace
        raise click.ClickException(
            f"cannot open the database {label} ({type(exc).__name__}). {hint}"
        ) from None
    finally:
        await engine.dispose()
    if not migrated:
        raise click.ClickException(f"the database {label} holds no Oshara data. {hint}")


async def _migrate(settings: Settings) -> None:
    from oshara.db.engine import create_engine
    from oshara.db.migrate import upgrade

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@click.group()
@click.version_option(package_name="oshara")
def main() -> None:
    """Oshara: voice AI agents for websites, self-hosted."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@main.command()
def migrate() -> None:
    """Apply pending database migrations."""
    _run(_migrate, create=True)
    click.echo("database is up to date")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--demo/--no-demo", default=False, help="Create the demo account and character first."
)
@click.option("--no-agent", is_flag=True, help="API only: run no agent in this process.")
def serve(host: str, port: int, demo: bool, no_agent: bool) -> None:
    """Apply migrations and run the API server."""
    import uvicorn

    from oshara.app import create_app

    settings = get_settings()
    settings.ensure_secret()
    if no_agent:
        settings.agent_enabled = False
    _quiet_pipecat(settings)
    try:
        app = create_app(settings)  # refuses bad settings before anything is migrated
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database: {database_label(settings)}", err=True)
    asyncio.run(_migrate(settings))
    if demo:
        from oshara.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

        public_url = settings.public_url or f"http://{host}:{port}"
        info = asyncio.run(seed_demo(settings, public_url=public_url))
        click.echo(info)
        if settings.env != "production":
            dashboard = f"{public_url.rstrip('/')}/dashboard/"
            click.echo(f"dashboard: {dashboard} (sign in as {DEMO_EMAIL} / {DEMO_PASSWORD})")
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower())


def _quiet_pipecat(settings: Settings) -> None:
    """Keep Pipecat's debug output (it quotes transcripts and prompts) out of our logs; our own
    loggers follow ``OSHARA_LOG_LEVEL``."""
    try:
        from oshara.voice.logs import configure_pipecat_logging
    except ImportError:
        return
    configure_pipecat_logging(settings.log_level)
    logging.getLogger("oshara").setLevel(settings.log_level.upper())


@main.command()
@click.argument("slug")
@click.option("--language", default=None, help="Session language (default: the character's).")
def chat(slug: str, language: str | None) -> None:
    """Talk to a character in the terminal (text mode, recorded like any session)."""

    async def go(settings: Settings) -> str:
        from sqlalchemy import select

        from oshara.characters.models import Character
        from oshara.db.engine import create_engine, create_sessionmaker
        from oshara.errors import OsharaError
        from oshara.sessions.agent_runtime import provider_settings
        from oshara.sessions.models import AgentSession
        from oshara.sessions.recorder import DbSessionRecorder
        from oshara.sessions.runtime import build_spec, tool_deps
        from oshara.sessions.schemas import AgentSessionIn
        from oshara.sessions.service import admit_session
        from oshara.voice.cli import chat_repl

        await _migrate(settings)
        engine = create_engine(settings.database_url)
        maker = create_sessionmaker(engine)
        try:
            async with maker() as db:
                character = await db.scalar(select(Character).where(Character.slug == slug))
                if character is None:
                    raise click.ClickException(f"no character with slug {slug!r}")
                body = AgentSessionIn(agent=slug, mode="text", language=language)
                try:
                    out = await admit_session(
                        db, settings, character, body, origin=None, base_url=""
                    )
                except OsharaError as exc:
                    raise click.ClickException(exc.detail) from exc
                await db.commit()
                row = await db.get_one(AgentSession, out.session_id)
                row.token_used_at = row.created_at
                await db.commit()
                spec = build_spec(row, character, settings)
            click.echo(f"session {out.session_id} — type /quit or Ctrl-D to end\n")
            recorder = DbSessionRecorder(maker, out.session_id)
            # The server's text-mode tools: egress allow-list, knowledge search, MCP.
            deps = tool_deps(settings, maker)
            try:
                reason: str = await chat_repl(
                    spec, recorder, settings=provider_settings(settings), tool_deps=deps
                )
            finally:
                await deps.egress.aclose()
            return reason
        finally:
            await engine.dispose()

    settings = get_settings()
    _quiet_pipecat(settings)
    click.echo(f"session ended: {_run(go)}")


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option(
    "--org",
    "org_name",
    default=None,
    help="Name of the NEW organization the user will own (always a new one; names need "
    "not be unique).",
)
@click.option(
    "--join-org",
    "join_org",
    type=click.UUID,
    default=None,
    help="Instead, add the user to this existing organization (its id, from `oshara orgs`).",
)
@click.option(
    "--role",
    type=click.Choice(["owner", "admin", "member"]),
    default="member",
    show_default=True,
    help="Role in the organization given with --join-org.",
)
@click.option("--name", "full_name", default="")
def users_create(
    email: str,
    password: str,
    org_name: str | None,
    join_org: uuid.UUID | None,
    role: str,
    full_name: str,
) -> None:
    """Create a user, non-interactively: the owner of a new organization, or (--join-org) a
    member of an existing one."""
    from oshara.auth.passwords import MIN_PASSWORD_LENGTH
    from oshara.auth.schemas import normalise_email

    try:
        email = normalise_email(email)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from exc
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"must be at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password"
        )
    if join_org is not None and org_name is not None:
        raise click.UsageError("give either --org (a new organization) or --join-org, not both")

    async def go(settings: Settings) -> str:
        from oshara.auth.service import AuthService
        from oshara.db.engine import create_engine, create_sessionmaker
        from oshara.errors import OsharaError
        from oshara.orgs.models import Role

        await _migrate(settings)
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as db:
                auth = AuthService(db, settings)
                try:
                    if join_org is not None:
                        user, org = await auth.create_member(
                            email, password, join_org, Role(role), full_name=full_name
                        )
                        joined = f"as {role}"
                    else:
                        user, org = await auth.create_user(
                            email, password, full_name=full_name, org_name=org_name
                        )
                        joined = "as owner"
                except OsharaError as exc:
                    raise click.ClickException(exc.detail) from exc
                await db.commit()
                return f"created user {user.email} in organization {org.name!r} ({org.id}) {joined}"
        finally:
            await engine.dispose()

    click.echo(_run(go))


@main.command("orgs")
def orgs_list() -> None:
    """List organizations: id, members, name (ids are what --join-org takes)."""

    async def go(settings: Settings) -> str:
        from sqlalchemy import func, select

        from oshara.db.engine import create_engine, create_sessionmaker
        from oshara.orgs.models import Membership, Organization

        await _migrate(settings)
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as db:
                rows = await db.execute(
                    select(Organization.id, Organization.name, func.count(Membership.id))
                    .outerjoin(Membership, Membership.organization_id == Organization.id)
                    .group_by(Organization.id, Organization.name)
                    .order_by(Organization.created_at)
                )
                return "\n".join(f"{oid}  {n:>4}  {name}" for oid, name, n in rows)
        finally:
            await engine.dispose()

    out = _run(go)
    if out:
        click.echo(out)


@main.group()
def apikeys() -> None:
    """Manage API keys for server-to-server calls."""


@apikeys.command("create")
@click.option("--email", required=True, help="The user whose organization owns the key.")
@click.option("--name", default="cli", show_default=True)
def apikeys_create(email: str, name: str) -> None:
    """Create an API key and print it (once)."""

    async def go(settings: Settings) -> str:
        from sqlalchemy import select

        from oshara.auth.service import AuthService
        from oshara.db.engine import create_engine, create_sessionmaker
        from oshara.orgs.models import Membership, User

        await _migrate(settings)
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as db:
                row = (
                    await db.execute(
                        select(User, Membership)
                        .join(Membership, Membership.user_id == User.id)
                        .where(User.email == email.strip().lower())
                        .order_by(Membership.created_at)
                        .limit(1)
                    )
                ).one_or_none()
                if row is None:
                    raise click.ClickException(f"no user with email {email}")
                user, membership = row
                _, key = await AuthService(db, settings).create_api_key(
                    membership.organization_id, user.id, name
                )
                await db.commit()
                return key
        finally:
            await engine.dispose()

    click.echo(_run(go))


@main.command()
@click.option("--public-url", default="", help="Origin the demo character accepts.")
def demo(public_url: str) -> None:
    """Create (or refresh) the demo account and demo character."""
    from oshara.demo import seed_demo

    async def go(settings: Settings) -> str:
        await _migrate(settings)
        return await seed_demo(settings, public_url=public_url or settings.public_url)

    click.echo(_run(go, create=True))


def _register_optional(group: click.Group) -> None:
    """Attach command groups that live with optional parts (voice runtime)."""
    extras = [("oshara.voice.cli", "commands"), ("oshara.evals.cli", "commands")]
    for module_name, attr in extras:
        try:
            module: Any = __import__(module_name, fromlist=[attr])
        except ImportError:
            continue
        for command in getattr(module, attr, []):
            group.add_command(command)


_register_optional(main)

if __name__ == "__main__":
    sys.exit(main())
