"""``telecentre seats …``"""
import click
from flask.cli import AppGroup

from telecentre.common.cli import fail_on_domain_error
from telecentre.extensions import db

seats = AppGroup("seats", help="Public PCs and kiosks.")


@seats.command("add")
@click.argument("site_slug")
@click.argument("name")
@click.option("--kind", type=click.Choice(["pc", "kiosk"]), default="pc", show_default=True)
@click.option("--accessible", is_flag=True, help="Adapted for people with disabilities.")
@click.option("--not-bookable", is_flag=True, help="Walk-in only.")
@fail_on_domain_error
def add_command(site_slug, name, kind, accessible, not_bookable):
    """Add a seat to a site."""
    from telecentre.seats.services import add_seat
    from telecentre.sites.services import get_site
    seat = add_seat(None, get_site(site_slug), name, kind=kind, accessible=accessible,
                    bookable=not not_bookable)
    db.session.commit()
    click.echo(f"added seat {seat.id} {seat.name} ({seat.kind}) at {site_slug}")


@seats.command("list")
@click.argument("site_slug")
@fail_on_domain_error
def list_command(site_slug):
    """List a site's seats with their state."""
    from telecentre.seats.services import list_seats, seat_states
    from telecentre.sites.services import get_site
    seats_ = list_seats(get_site(site_slug))
    states = seat_states(seats_)
    for seat in seats_:
        click.echo(f"{seat.id}\t{seat.name}\t{seat.kind}\t{states[seat.id]}")
