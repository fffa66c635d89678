"""Command-line interface registered on the app: ``flask frameworks …``, ``flask demo`` etc."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from socialvalue import framework_registry as registry
from socialvalue.extensions import db

frameworks_cli = AppGroup("frameworks", help="Inspect, validate and load the framework library.")
audit_cli = AppGroup("audit", help="Check the audit log.")


def _frameworks_dir() -> Path:
    return Path(current_app.config["FRAMEWORKS_DIR"])


def _load_library_or_exit() -> registry.FrameworkLibrary:
    try:
        return registry.load_library(_frameworks_dir())
    except registry.FrameworkValidationError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(error.problems)} problem(s); nothing was loaded.", err=True)
        sys.exit(1)


def _resolve(library: registry.FrameworkLibrary, ref: str) -> registry.FrameworkVersion:
    framework_id, _, version = ref.partition("@")
    found = library.get(framework_id, version or None)
    if found is None:
        known = ", ".join(v.key for v in library.versions)
        raise click.BadParameter(f"no framework version {ref!r}; known: {known}")
    return found


@frameworks_cli.command("list")
def frameworks_list() -> None:
    """List every framework version in the library with its status and content hash."""
    library = _load_library_or_exit()
    for version in library.versions:
        measures = sum(1 for _ in version.measures())
        click.echo(
            f"{version.key:<45} {version.status:<10} {measures:>3} measures  "
            f"{version.content_hash}  {version.title}"
        )


@frameworks_cli.command("show")
@click.argument("ref")
def frameworks_show(ref: str) -> None:
    """Show a framework version: ID or ID@VERSION (latest published when VERSION is omitted)."""
    version = _resolve(_load_library_or_exit(), ref)
    click.echo(f"{version.title} ({version.key}), {version.status}")
    click.echo(f"Issuer: {version.issuer}")
    click.echo(f"Content hash: {version.content_hash}")
    if version.supersedes:
        click.echo(f"Supersedes: {version.supersedes}")
    if version.superseded_by:
        click.echo(f"Superseded by: {version.superseded_by}")
    for theme in version.themes:
        click.echo(f"\n{theme.code}  {theme.title}  [{theme.verification}]")
        for outcome in theme.outcomes:
            click.echo(f"  {outcome.code}  {outcome.title}")
            for measure in outcome.measures:
                detail = measure.unit or (
                    f"scale {measure.scale.minimum}-{measure.scale.maximum}"
                    if measure.scale
                    else ""
                )
                click.echo(
                    f"    {measure.code:<34} {measure.kind:<12} {detail:<14} "
                    f"[{measure.verification}] {measure.title}"
                )


@frameworks_cli.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def frameworks_validate(path: Path | None) -> None:
    """Validate the whole library, or one file or folder; report every problem, exit 1 if any."""
    base = _frameworks_dir()
    if path is None:
        problems = registry.validate_library(base)
    elif path.is_dir():
        problems = registry.validate_library(path)
    else:
        problems = registry.validate_library(base, paths=[path])
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("All framework files are valid and match the lock file.")


@frameworks_cli.command("diff")
@click.argument("old_ref")
@click.argument("new_ref")
def frameworks_diff(old_ref: str, new_ref: str) -> None:
    """List measures added, removed and changed between two versions (ID@A ID@B)."""
    library = _load_library_or_exit()
    old, new = _resolve(library, old_ref), _resolve(library, new_ref)
    result = registry.diff_versions(old, new)
    click.echo(f"{old.key} -> {new.key}")
    for measure in result.added:
        click.echo(f"+ added    {measure.code}: {measure.title}")
    for measure in result.removed:
        click.echo(f"- removed  {measure.code}: {measure.title}")
    for change in result.changed:
        click.echo(f"~ changed  {change.code}")
        for field_change in change.fields:
            click.echo(f"    {field_change.field}: {field_change.old!r} -> {field_change.new!r}")
    if not (result.added or result.removed or result.changed):
        click.echo("no measure changes")


@frameworks_cli.command("sync")
def frameworks_sync() -> None:
    """Load every framework version into the database. Running it twice changes nothing."""
    from socialvalue.services.frameworks import FrameworkSyncError, sync_frameworks

    library = _load_library_or_exit()
    try:
        report = sync_frameworks(db.session, library)
        db.session.commit()
    except FrameworkSyncError as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged."
    )
    for key in report.added:
        click.echo(f"  added   {key}")
    for key in report.updated:
        click.echo(f"  updated {key}")


@frameworks_cli.command("lock")
def frameworks_lock() -> None:
    """Record the content hash of newly published versions in the lock file (never rewrites one)."""
    try:
        added = registry.update_lock(_frameworks_dir())
    except registry.FrameworkValidationError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    click.echo("\n".join(f"locked {key}" for key in added) or "lock file already up to date")


@audit_cli.command("verify")
@click.option(
    "--expect-head",
    "anchors",
    multiple=True,
    metavar="[SEQUENCE:]HASH",
    help="A chain position published earlier (by `flask audit head`, or in a report): it must "
    "still be in the chain with this hash. Catches re-hashed rewrites and deleted newest events.",
)
def audit_verify(anchors: tuple[str, ...]) -> None:
    """Check the audit log's hash chain; report the first broken link, exit 1 if any."""
    from socialvalue.services.audit import parse_anchor, verify_chain

    try:
        expected = [parse_anchor(anchor) for anchor in anchors]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--expect-head") from error
    report = verify_chain(db.session, expected)
    if report.ok:
        click.echo(f"Audit chain intact: {report.events_checked} events verified.")
        return
    where = f" at event {report.first_broken_sequence}" if report.first_broken_sequence else ""
    click.echo(
        f"Audit chain BROKEN{where}: {report.reason} "
        f"({report.events_checked} events verified before it).",
        err=True,
    )
    sys.exit(1)


@audit_cli.command("head")
def audit_head() -> None:
    """Print the chain's newest position (SEQUENCE:HASH): keep it outside the database and give
    it to `flask audit verify --expect-head` later."""
    from socialvalue.services.audit import chain_head

    head = chain_head(db.session)
    if head is None:
        raise click.ClickException("The audit log has no events yet.")
    click.echo(str(head))


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["admin", "officer", "panel", "supplier", "auditor"])
)
@click.option("--organisation", default=None)
@click.password_option(help="Prompted for when not given (at least 12 characters).")
def create_user_command(
    email: str, display_name: str, role: str, organisation: str | None, password: str
) -> None:
    """Create a user account."""
    from socialvalue.services.accounts import AccountError, create_user

    try:
        user = create_user(
            db.session,
            email=email,
            display_name=display_name,
            role=role,
            password=password,
            organisation=organisation,
        )
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} {user.email}.")


@click.command("demo")
def demo_command() -> None:
    """Load frameworks and demo data (users of every role, a demo tender); print sign-in details."""
    from socialvalue.services.demo import seed_demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is not loaded in production.")
    library = _load_library_or_exit()
    summary = seed_demo(db.session, library)
    db.session.commit()
    click.echo(summary.render())


@click.command("score", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def score_command(args: tuple[str, ...]) -> None:
    """Score a tender bundle: same as the `socialvalue score` console script."""
    from socialvalue.scoring.cli import main

    sys.exit(main(["score", *args]))


def register_commands(app: Flask) -> None:
    from socialvalue.backup import backup_command, restore_command

    app.cli.add_command(frameworks_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(score_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
