"""``telecentre agents …``: enrolment tokens, the list of agents, revocation."""

import click
from flask.cli import AppGroup

from telecentre.common.cli import fail_on_domain_error
from telecentre.extensions import db

agents = AppGroup("agents", help="Agents on the public PCs and kiosks.")


@agents.command("enrollment-token")
@click.argument("site_slug")
@click.option(
    "--hours", type=float, default=None, help="Validity (default ENROLLMENT_TOKEN_HOURS)."
)
@fail_on_domain_error
def enrollment_token_command(site_slug, hours):
    """Print a one-time token that enrols one machine at SITE."""
    from telecentre.agent_api.services import new_enrollment_token
    from telecentre.common.time import utcnow
    from telecentre.sites.services import get_site

    token = new_enrollment_token(None, get_site(site_slug), utcnow(), hours)
    db.session.commit()
    click.echo(token)


@agents.command("list")
@click.option("--site", "site_slug", default=None, help="Only this site.")
@fail_on_domain_error
def list_command(site_slug):
    """List agents: id, site, seat, version, last seen, online/offline/revoked."""
    from sqlalchemy import select
    from telecentre.agent_api.models import Agent
    from telecentre.sites.services import get_site

    query = select(Agent).order_by(Agent.site_id, Agent.enrolled_at)
    if site_slug:
        query = query.where(Agent.site_id == get_site(site_slug).id)
    for agent in db.session.scalars(query):
        status = "revoked" if agent.revoked_at else ("online" if agent.online else "offline")
        seen = agent.last_seen_at.isoformat(timespec="seconds") if agent.last_seen_at else "-"
        seat = agent.seat.name if agent.seat else "-"
        click.echo(
            f"{agent.id}\t{agent.site.slug}\t{seat}\t{agent.version or '-'}\t{seen}\t{status}"
        )


@agents.command("revoke")
@click.argument("agent_id")
@click.option("--reason", default="", help="Recorded in the audit log.")
@fail_on_domain_error
def revoke_command(agent_id, reason):
    """Revoke an agent (by id or a unique prefix): it locks its screen and stops."""
    from telecentre.agent_api.services import find_agent, revoke
    from telecentre.common.time import utcnow

    agent = find_agent(agent_id)
    revoke(None, agent, utcnow(), reason)
    db.session.commit()
    click.echo(f"revoked {agent.id}")


@agents.command("command")
@click.argument("agent_id")
@click.argument(
    "kind",
    type=click.Choice(
        [
            "lock",
            "unlock",
            "message",
            "extend",
            "end_session",
            "logoff",
            "reboot",
            "shutdown",
            "wake",
        ]
    ),
)
@click.option("--text", default=None, help="For message.")
@click.option("--minutes", type=float, default=None, help="For extend and unlock.")
@click.option("--reason", default=None, help="For end_session.")
@click.option("--mac", default=None, help="For wake: the sleeping PC's MAC, aa:bb:cc:dd:ee:ff.")
@click.option("--broadcast", default=None, help="For wake: its subnet's broadcast address.")
@fail_on_domain_error
def command_command(agent_id, kind, text, minutes, reason, mac, broadcast):
    """Queue a command for an agent; it runs at the agent's next heartbeat."""
    from telecentre.agent_api.services import find_agent, queue_command

    args = {
        key: value
        for key, value in (
            ("text", text),
            ("minutes", minutes),
            ("reason", reason),
            ("mac", mac),
            ("broadcast", broadcast),
        )
        if value is not None
    }
    command = queue_command(None, find_agent(agent_id), kind, args)
    db.session.commit()
    click.echo(f"queued command {command.id}")
