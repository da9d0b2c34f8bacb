"""``telecentre bookings …``: policies, the no-show release, a site's day."""
import click
from flask.cli import AppGroup

from telecentre.common.cli import fail_on_domain_error
from telecentre.extensions import db

bookings = AppGroup("bookings", help="Bookings, policies and the walk-in queue.")


@bookings.command("preset")
@click.argument("slug")
@click.argument("name", type=click.Choice(["municipal"]))
@fail_on_domain_error
def preset_command(slug, name):
    """Apply a policy preset to a site (municipal: 45 minutes at most, 15 between)."""
    from telecentre.booking.policies import apply_preset
    from telecentre.sites.services import get_site
    policy = apply_preset(None, get_site(slug), name)
    db.session.commit()
    click.echo(f"{slug}: {name} (longest {policy.max_booking_minutes} min, "
               f"gap {policy.min_gap_minutes} min)")


@bookings.command("release-no-shows")
def release_command():
    """Release the bookings nobody came for now (the scheduler does this every minute)."""
    from telecentre.booking.services import release_no_shows
    from telecentre.common.db import begin_write
    begin_write(db.session)
    count = release_no_shows()
    db.session.commit()
    click.echo(f"{count} booking(s) released")


@bookings.command("list")
@click.argument("slug")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Local day (default: today).")
@fail_on_domain_error
def list_command(slug, day):
    """List a site's bookings of a day: time, seat, code, status, resident."""
    from sqlalchemy import select

    from telecentre.booking.models import Booking
    from telecentre.common.time import local_day_bounds, local_today, to_local
    from telecentre.sites.services import get_site
    site = get_site(slug)
    first, last = local_day_bounds(day.date() if day else local_today())
    for booking in db.session.scalars(select(Booking).where(
            Booking.site_id == site.id, Booking.start >= first, Booking.start < last)
            .order_by(Booking.start, Booking.seat_id)):
        click.echo(f"{to_local(booking.start):%H:%M}-{to_local(booking.end):%H:%M}\t"
                   f"{booking.seat.name}\t{booking.code}\t{booking.status}\t"
                   f"{booking.resident.login}")
