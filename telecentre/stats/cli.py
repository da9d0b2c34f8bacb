"""``telecentre stats …``: rebuild the rollups, run retention, export the indicators."""
from datetime import date

import click
from flask.cli import AppGroup

from telecentre.extensions import db

stats = AppGroup("stats", help="Usage statistics, the indicators report and retention.")


@stats.command("rollup")
def rollup_command():
    """Bring the rollups up to date now (what the scheduler does every 10 minutes)."""
    from telecentre.stats.incremental import run_rollup
    result = run_rollup()
    db.session.commit()
    click.echo(f"{result['new_sessions']} new sessions, {result['days_rebuilt']} site-days rebuilt")


@stats.command("rebuild")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day (default: the retention horizon).")
def rebuild_command(since):
    """Rebuild every rollup from the raw records (days before the retention horizon are kept)."""
    from telecentre.stats.incremental import rebuild_all
    count = rebuild_all(since.date() if since else None)
    db.session.commit()
    click.echo(f"{count} site-days rebuilt")


@stats.command("retention")
def retention_command():
    """Pseudonymise usage older than RETENTION_DAYS now."""
    from telecentre.stats.privacy import apply_retention
    result = apply_retention()
    db.session.commit()
    click.echo(f"{result['sessions_pseudonymised']} sessions pseudonymised, "
               f"{result['bookings_deleted']} bookings deleted")


@stats.command("indicators")
@click.option("--year", type=int, default=lambda: date.today().year, show_default="this year")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--output", "-o", type=click.Path(dir_okay=False), required=True)
def indicators_command(year, fmt, output):
    """Write the programme's indicators report of YEAR to a file."""
    from telecentre.stats.indicators import indicators, to_csv, to_xlsx
    report = indicators(year)
    data = to_csv(report) if fmt == "csv" else to_xlsx(report, year)
    with open(output, "wb") as fh:
        fh.write(data)
    click.echo(f"wrote {output}")
