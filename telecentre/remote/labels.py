"""The words people read for a run's and a host's status, in their own language.

The database keeps codes; what a page shows is translated when it is shown, because a
run is carried out in the background, where nobody's language is known.
"""
from flask_babel import gettext as _

from .catalogue import UnknownAction, get_action


def action_label(name: str) -> str:
    """Return the translated name of an action (its code when it no longer exists)."""
    try:
        return _(get_action(name).label)
    except UnknownAction:
        return name


def status_labels() -> dict[str, str]:
    """Return the translated name of every run and host status, by code."""
    return {"queued": _("queued"), "running": _("running"), "finished": _("finished"),
            "done": _("done"), "failed": _("failed"), "timeout": _("timed out"),
            "unreachable": _("unreachable"), "host_key_mismatch": _("host key changed"),
            "auth_failed": _("sign-in refused"), "error": _("error"),
            "no_address": _("no address"), "no_host_key": _("no host key"),
            "lost": _("worker lost")}


def refusal_messages() -> dict[str, str]:
    """Return why a host was refused before anything ran, by its status."""
    return {"no_address": _("The computer's address is not known."),
            "no_host_key": _("No SSH host key is pinned for this computer: "
                             "approve its key first."),
            "lost": _("The worker carrying this out stopped mid-way. The action may have "
                      "run, and it is not safe to repeat, so it was not started again.")}


def host_message(host) -> str:
    """Return the host's error in the reader's language where it is a known refusal."""
    return refusal_messages().get(host.status) or host.error or ""
