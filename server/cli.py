"""The operator CLI (CONTRACT §1): `fieldkit COMMAND`, a Flask CLI group over create_app()."""
import gc
import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


# Commands that only use the database get an app without the HTTP API and the job queue: importing and setting
# them up (blueprints, schemas, the OpenAPI document, huey and redis) was a third of an import's start-up, and
# nothing an import run from here needs them.
_DATABASE_ONLY = {"import-units", "import-members", "import-registry", "import-cards"}


def _create_app():
    from . import create_app
    command = click.get_current_context(silent=True)
    return create_app(serving=command is None or command.info_name not in _DATABASE_ONLY)


def _missing_tables(error: BaseException) -> bool:
    """Whether a database error means the schema was never created (SQLite and PostgreSQL word it differently)."""
    from sqlalchemy.exc import DBAPIError
    if not isinstance(error, DBAPIError):
        return False
    return getattr(error.orig, "sqlstate", None) == "42P01" or "no such table" in str(error.orig)


class _Group(FlaskGroup):
    """Every command that needs tables tells an operator on a fresh database what to run, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as error:  # noqa: BLE001 -- re-raised unless it is the missing schema
            if _missing_tables(error):
                raise click.ClickException("the database has no tables yet: run `fieldkit init-db` first") from None
            raise


@click.group(cls=_Group, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main():
    """fieldkit operator commands."""


@main.command("init-db")
@with_appcontext
def init_db():
    """Create the database or upgrade it in place to the latest schema."""
    from flask_migrate import upgrade
    upgrade(directory=str(MIGRATIONS_DIR))
    click.echo("database is at the latest schema")


@main.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["officer", "team_lead", "unit_admin", "viewer"]))
@click.option("--unit", "unit_code", required=True, help="code of the user's unit")
@click.option("--name", "display_name", default="", help="display name")
@with_appcontext
def create_user(username, role, unit_code, display_name):
    """Create a user; the password comes from FIELDKIT_PASSWORD, else a prompt."""
    from .auth import create_user as create
    from .errors import DomainError
    from .extensions import db
    password = os.environ.get("FIELDKIT_PASSWORD") or click.prompt("Password", hide_input=True,
                                                                    confirmation_prompt=True)
    try:
        user = create(username, password, role, unit_code, display_name)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.code}: {error.message}")
    click.echo(f"created user {user.username} ({user.role}) in unit {unit_code}")


def _run_import(kind: str, path: str):
    from sqlalchemy.exc import OperationalError

    from . import is_sqlite_locked
    from .imports.importers import import_file

    def waiting():
        click.echo(f"import {kind}: another import is writing what this one reads or writes; "
                   f"{Path(path).name} starts as soon as it has finished…", err=True)
    # What the process holds now (modules, the models, the app) outlives the import: the collector need not walk it
    # again every time the rows' short-lived objects set it off (about 4% of the checks).
    gc.freeze()
    try:
        report = import_file(kind, Path(path), on_wait=waiting)
    except OperationalError as error:
        if not is_sqlite_locked(error):
            raise
        # SQLite's write lock stayed taken past the import's long wait (server.imports.turns.IMPORT_LOCK_WAIT_MS).
        click.echo(f"import {kind}: the database stayed busy with another write; nothing of "
                   f"{Path(path).name} was stored: run the import again once that one has finished")
        sys.exit(1)
    finally:
        gc.unfreeze()  # as it was: a test runs the commands inside its own, long-lived process
    click.echo(report.summary())
    sys.exit(1 if report.rejected else 0)


@main.command("import-units")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_units(file):
    """Import organisation units from .csv or .xlsx (all or nothing)."""
    _run_import("units", file)


@main.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_members(file):
    """Import party members from .csv or .xlsx (all or nothing)."""
    _run_import("members", file)


@main.command("import-registry")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_registry(file):
    """Import a population-registry extract from .csv or .xlsx (all or nothing)."""
    _run_import("registry", file)


@main.command("import-cards")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_cards(file):
    """Import a batch of printed cards from .csv or .xlsx, stored at the root unit (all or nothing)."""
    _run_import("cards", file)


@main.command("load-demo")
@click.option("--members", default=20000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", default=2025, show_default=True)
@click.option("--if-empty", is_flag=True, help="do nothing when the database already holds units")
@with_appcontext
def load_demo(members, seed, if_empty):
    """Load a generated demo province (deterministic for a seed) with demo users for every role."""
    from sqlalchemy import select

    from .demo.load import load_demo as load
    from .errors import DomainError
    from .extensions import db
    from .models import Unit
    if if_empty and db.session.scalar(select(Unit.id).limit(1)) is not None:
        click.echo("database already holds data: demo not loaded")
        return
    from .reconcile import run_reconciliation
    try:
        result = load(members=members, seed=seed)
    except DomainError as error:
        raise click.ClickException(f"{error.code}: {error.message}")
    click.echo(result.summary())
    # Step 2 of the campaign: compare the party records with the registry before anyone is called in.
    click.echo(run_reconciliation().summary())


@main.command("print-demo-logins")
@with_appcontext
def print_demo_logins():
    """Print the demo users' logins (only meaningful on a demo database)."""
    from .demo.load import demo_logins_text
    click.echo(demo_logins_text())


@main.command("reconcile")
@click.option("--unit", "unit_code", default=None, help="only members under this unit")
@with_appcontext
def reconcile(unit_code):
    """Compare every member in scope with the registry and store the result per member."""
    from .errors import DomainError
    from .reconcile import run_reconciliation
    try:
        summary = run_reconciliation(unit_code)
    except DomainError as error:
        raise click.ClickException(f"{error.code}: {error.message}")
    click.echo(summary.summary())


def init_app(app):
    """Nothing to register on the app: the CLI group is the entry point (`fieldkit`)."""


from .jobs.cli import worker as _worker  # noqa: E402
main.add_command(_worker)


@main.command("rebuild-daily")
@with_appcontext
def rebuild_daily():
    """Recount the dashboard's aggregates (per member, per unit, per day) from the source tables."""
    from . import audit
    from .dashboard.daily import rebuild
    from .extensions import db
    total = rebuild()
    audit.record("progress.rebuild", object_type="unit", unit_id=audit.root_unit_id(), outcome="ok", collected=total)
    db.session.commit()
    click.echo(f"progress counters and collected per day rebuilt: {total} members collected")
@main.group("photos")
def photos():
    """The photo store (FIELDKIT_PHOTO_STORE)."""


@photos.command("migrate")
@with_appcontext
def photos_migrate():
    """Copy the file store's photos into the configured store (resumable; verifies each hash)."""
    from flask import current_app

    from offline_queue.photo_migrate import migrate
    from offline_queue.photo_store import FileStore, current_store
    target = current_store(current_app)
    if isinstance(target, FileStore):
        raise click.ClickException("FIELDKIT_PHOTO_STORE is 'file': set it to the store to copy into")
    from . import audit
    from .extensions import db
    report = migrate(FileStore(current_app.config["PHOTO_DIR"]), target,
                     progress=lambda r: click.echo(f"... {r.copied} copied, {r.already_there} already there"))
    # Every portrait now has a copy in another store: the trail says when, how many, and what went wrong.
    audit.record("photo.migrate", object_type="photo_store", unit_id=audit.root_unit_id(),
                 outcome="ok" if report.ok else "incomplete", copied=report.copied,
                 already_there=report.already_there, damaged=len(report.damaged), failed=len(report.failed),
                 missing=len(report.missing))
    db.session.commit()
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)
