"""``telecentre remote …``: the command-line twin of the IT pages.

The acting user is the system (an operator with a shell on the server);
every change is still audited. Output is one line per progress event, then
each host's output tail, then a summary line ``DONE/TOTAL done``.
"""
import click
from flask.cli import AppGroup

from telecentre.common.cli import fail_on_domain_error
from telecentre.common.errors import InvalidInput, NotFound
from telecentre.extensions import db

remote = AppGroup("remote", help="Remote actions over SSH, wake-on-LAN, power schedules.")


def _params(pairs) -> dict:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        params[name.strip()] = value
    return params


def find_seat(spec: str, site_slug: str | None = None):
    """Find a seat by ``NAME`` (unique across sites, or within --site) or ``SITE/NAME``."""
    from sqlalchemy import select

    from telecentre.seats.models import Seat
    from telecentre.sites.models import Site
    if "/" in spec:
        site_slug, spec = spec.split("/", 1)
    query = select(Seat).where(Seat.name == spec)
    if site_slug:
        query = query.join(Site).where(Site.slug == site_slug)
    seats = list(db.session.scalars(query))
    if len(seats) != 1:
        raise NotFound(f"seat {spec!r}: " + ("not found" if not seats else
                                             "several sites have it; write SITE/NAME"))
    return seats[0]


@remote.command("run")
@click.argument("action")
@click.option("--site", "site_slug", help="Every in-service PC of this site.")
@click.option("--seat", "seat_specs", multiple=True, help="A seat: NAME or SITE/NAME (repeatable).")
@click.option("--param", "pairs", multiple=True, help="An action parameter NAME=VALUE.")
@click.option("--confirm", is_flag=True, help="Confirm an ad-hoc command.")
@click.option("--parallel", type=click.IntRange(1, 200), help="Hosts at once.")
@fail_on_domain_error
def run_command(action, site_slug, seat_specs, pairs, confirm, parallel):
    """Run a vetted ACTION on a site's PCs or on chosen seats, showing progress."""
    from telecentre.sites.services import get_site

    from .execution import execute_run
    from .services import create_run, seats_for
    if not site_slug and not seat_specs:
        raise click.UsageError("give --site SLUG or one or more --seat NAME")
    if seat_specs:
        seats = [find_seat(spec, site_slug) for spec in seat_specs]
        scope = "seats " + ", ".join(seat_specs)
    else:
        seats, scope = seats_for(site=get_site(site_slug)), f"site {site_slug}"
        if not seats:
            raise InvalidInput(f"site {site_slug} has no PC in service")
    run = create_run(None, action, _params(pairs), seats, confirmed=confirm, scope=scope)
    db.session.commit()
    names = {str(h.id): h.seat_name for h in run.hosts}
    width = max(len(n) for n in names.values())

    def show(event):
        line = f"{names.get(event.key, event.key):<{width}}  {event.status}"
        if event.exit_code is not None:
            line += f"  exit {event.exit_code}"
        if event.error and event.status != "done":
            line += f"  {event.error}"
        click.echo(line)

    click.echo(f"run {run.id}: {action} on {len(seats)} computer(s)")
    run = execute_run(run.id, on_progress=show, max_parallel=parallel)
    for host in run.hosts:
        if host.output_tail:
            click.echo(f"--- {host.seat_name}")
            click.echo(host.output_tail.rstrip("\n"))
    done = sum(h.status == "done" for h in run.hosts)
    click.echo(f"{done}/{len(run.hosts)} done")
    if done != len(run.hosts):
        raise SystemExit(1)


@remote.command("credential")
@click.option("--site", "site_slug", help="Only for this site (default: county-wide).")
@click.option("--user", "username", required=True, help="The account on the PCs.")
@click.option("--key-file", type=click.File("r"), help="A private key (default: generate one).")
@click.option("--sudo", is_flag=True, help="The account runs actions through sudo -n.")
@fail_on_domain_error
def credential_command(site_slug, username, key_file, sudo):
    """Store the SSH key the server logs in with; print its public key to install."""
    from telecentre.sites.services import get_site

    from .services import set_credential
    site = get_site(site_slug) if site_slug else None
    credential = set_credential(None, site, username, key_file.read() if key_file else None,
                                use_sudo=sudo)
    db.session.commit()
    click.echo(credential.public_key)


@remote.command("target")
@click.argument("seat_spec")
@click.option("--address", required=True)
@click.option("--os", "os_name", type=click.Choice(["linux", "windows"]), default="linux")
@click.option("--mac")
@click.option("--port", type=int, default=22)
@fail_on_domain_error
def target_command(seat_spec, address, os_name, mac, port):
    """Set how to reach SEAT (NAME or SITE/NAME): address, system, MAC, port."""
    from .services import set_target
    seat = find_seat(seat_spec)
    set_target(None, seat, address, os_name, mac, port)
    db.session.commit()
    click.echo(f"{seat.name}: {address}:{port} {os_name} {mac or ''}".rstrip())


@remote.command("host-key")
@click.argument("seat_spec")
@click.option("--key", "key_line", help="The public key line to pin.")
@click.option("--fetch", is_flag=True, help="Fetch the key the PC presents and show it.")
@click.option("--yes", is_flag=True, help="With --fetch: pin the fetched key.")
@fail_on_domain_error
def host_key_command(seat_spec, key_line, fetch, yes):
    """Pin a host key for SEAT once (a device without an agent)."""
    from .services import approve_host_key, fetch_presented_key
    seat = find_seat(seat_spec)
    if fetch:
        key_line, fingerprint = fetch_presented_key(None, seat)
        click.echo(f"{seat.name} presents {fingerprint}\n{key_line}")
        if not yes:
            click.echo("compare it with the PC's console, then run again with --yes")
            return
    if not key_line:
        raise click.UsageError("give --key LINE or --fetch")
    row = approve_host_key(None, seat, key_line)
    db.session.commit()
    click.echo(f"{seat.name}: pinned {row.fingerprint}")


@remote.command("wake")
@click.argument("seat_specs", nargs=-1, required=True)
@fail_on_domain_error
def wake_command(seat_specs):
    """Wake SEATs (NAME or SITE/NAME), directly or through an agent of the site."""
    from .power import wake_seat
    for spec in seat_specs:
        done = wake_seat(None, find_seat(spec))
        db.session.commit()
        click.echo(f"{done['seat']}: {done['mac']} → {done['broadcast']} via {done['via']}")


@remote.command("power")
@click.argument("site_slug")
@click.option("--wake-before", type=click.IntRange(0, 240))
@click.option("--shutdown-after", type=click.IntRange(0, 240))
@click.option("--warn", type=click.IntRange(1, 30))
@click.option("--enable/--disable", default=None)
@fail_on_domain_error
def power_command(site_slug, wake_before, shutdown_after, warn, enable):
    """Show or change the power schedule of SITE."""
    from telecentre.sites.services import get_site

    from .power import set_schedule
    schedule = set_schedule(None, get_site(site_slug), enabled=enable,
                            wake_minutes_before=wake_before,
                            shutdown_minutes_after=shutdown_after, warn_minutes=warn)
    db.session.commit()
    click.echo(f"{site_slug}: {'on' if schedule.enabled else 'off'}, wake "
               f"{schedule.wake_minutes_before} min before opening, shut down "
               f"{schedule.shutdown_minutes_after} min after closing, warn "
               f"{schedule.warn_minutes} min")
