"""``telecentre devices …`` and ``telecentre snmp …``."""
import sys
from collections import Counter

import click
from flask import current_app
from flask.cli import AppGroup

from telecentre.common.cli import fail_on_domain_error
from telecentre.extensions import db

devices = AppGroup("devices", help="Monitored network devices.")
snmp = AppGroup("snmp", help="SNMP polling.")


@devices.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@fail_on_domain_error
def import_command(path):
    """Add or update devices from a CSV file (all rows or none)."""
    from telecentre.monitoring.importer import import_devices
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise click.ClickException("the file is not UTF-8 text") from None
    added, updated = import_devices(None, text)
    db.session.commit()
    click.echo(f"{added} added, {updated} updated")


@devices.command("list")
@click.option("--site", "slug", help="Only this site.")
@fail_on_domain_error
def list_command(slug):
    """List devices with their last status."""
    from telecentre.monitoring.overview import site_devices
    from telecentre.sites.services import get_site, list_sites
    for site in [get_site(slug)] if slug else list_sites():
        for d in site_devices(site):
            status = d.state.status if d.state else "unknown"
            click.echo(f"{site.slug}\t{d.name}\t{d.kind}\t{d.address}:{d.port}\t"
                       f"v{d.snmp_version}\t{status}")


def _site(slug):
    from telecentre.sites.services import get_site
    return get_site(slug) if slug else None


@snmp.command("poll")
@click.option("--site", "slug", help="Only this site's devices.")
@fail_on_domain_error
def poll_command(slug):
    """Run one sweep now; show progress, a summary table and 'UP/TOTAL up'."""
    from telecentre.alerts.deliveries import announce
    from telecentre.monitoring import runtime
    from telecentre.monitoring.sweeps import devices_to_poll, run_sweep
    site = _site(slug)
    total = len(devices_to_poll(site))
    with click.progressbar(length=total, label="SNMP", file=sys.stderr) \
            as bar:
        report = run_sweep(runtime.runner(current_app.config), site=site,
                           on_result=lambda _result: bar.update(1))
    db.session.commit()
    announce(current_app.config, report.opened, report.resolved)
    _summary(report)


def _summary(report):
    total = Counter(d.site_slug for d in report.devices)
    down = Counter(d.site_slug for d in report.down)
    opened = Counter(a.details.get("device_id") for a in report.opened)
    click.echo(f"{'site':12} {'devices':>7} {'up':>4} {'down':>4} {'new alerts':>10}")
    for slug in total:
        new = sum(opened[d.id] for d in report.devices if d.site_slug == slug)
        click.echo(f"{slug:12} {total[slug]:7} {total[slug] - down[slug]:4} {down[slug]:4} "
                   f"{new:10}")
    for device in report.down:
        click.echo(f"DOWN {device.site_slug}/{device.name} {device.address}: {device.error}")
    for alert in report.opened:
        click.echo(f"NEW ALERT [{alert.severity}] {alert.title}")
    for alert in report.resolved:
        click.echo(f"RESOLVED {alert.title}")
    click.echo(f"{report.up}/{report.total} up ({report.seconds:.1f}s)")


@snmp.command("discover")
@click.option("--site", "slug", help="Only this site's devices.")
@fail_on_domain_error
def discover_command(slug):
    """Walk the devices' tables now (interfaces, disks, supplies, sensors)."""
    from telecentre.monitoring import runtime
    from telecentre.monitoring.sweeps import devices_to_poll, discover
    devices_ = devices_to_poll(_site(slug))
    found = discover(runtime.runner(current_app.config), devices_)
    db.session.commit()
    click.echo(f"{found}/{len(devices_)} discovered")
