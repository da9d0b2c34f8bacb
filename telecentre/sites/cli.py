"""``telecentre sites …``"""
import click
from flask.cli import AppGroup

from telecentre.common.cli import fail_on_domain_error
from telecentre.extensions import db

sites = AppGroup("sites", help="Sites, their subnets and opening hours.")


@sites.command("list")
def list_command():
    """List the sites with their subnets and weekly hours."""
    from telecentre.sites.models import WEEKDAYS
    from telecentre.sites.services import format_minute, list_sites
    for site in list_sites():
        hours = ", ".join(f"{WEEKDAYS[h.weekday]} {format_minute(h.open_minute)}-"
                          f"{format_minute(h.close_minute)}" for h in site.hours)
        click.echo(f"{site.slug}\t{site.name}\t{' '.join(site.subnets) or '-'}\t{hours}")


@sites.command("subnets")
@click.argument("slug")
@click.argument("cidrs", nargs=-1, required=True)
@fail_on_domain_error
def subnets_command(slug, cidrs):
    """Set the subnets of a site (CIDR, e.g. 10.20.1.0/24)."""
    from telecentre.sites.services import get_site, set_subnets
    site = get_site(slug)
    result = set_subnets(None, site, cidrs)
    db.session.commit()
    click.echo(f"{site.slug}: {' '.join(result)}")


@sites.command("hours")
@click.argument("slug")
@click.argument("specs", nargs=-1, required=True)
@fail_on_domain_error
def hours_command(slug, specs):
    """Set the weekly hours, e.g. 'mon-fri 08:00-16:00' 'sat 09:00-13:00' (or 'pon-pt …')."""
    from telecentre.sites.services import get_site, set_hours
    site = get_site(slug)
    set_hours(None, site, specs)
    db.session.commit()
    click.echo(f"{site.slug}: {' '.join(specs)}")


@sites.command("closed")
@click.argument("slug")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--hours", "spec", help="Open at other times that day, e.g. 10:00-14:00.")
@click.option("--note", default="")
@fail_on_domain_error
def closed_command(slug, day, spec, note):
    """Add a dated exception: closed that day, or open only --hours."""
    from telecentre.sites.services import add_exception, get_site
    site = get_site(slug)
    add_exception(None, site, day.date(), spec, note)
    db.session.commit()
    click.echo(f"{site.slug}: {day.date()} {spec or 'closed'}")
