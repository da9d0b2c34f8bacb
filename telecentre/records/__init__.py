"""Records on lawful request: who used which public computer when (off by default).

When ``SESSION_LOG_ENABLED`` is on, people named by an admin (``telecentre
users records-access LOGIN``) can look up the sessions of one resident or
one computer over a period and export them as a signed report; every look is
audited. Nobody else sees it, admins included, and the privacy notice says
that it is kept.
"""


def init_app(app):
    """Register the ``records`` access level, the pages and the commands."""
    from telecentre.common.access import register_level
    from telecentre.records import access
    register_level("records", access.require_records_access)  # before the views declare it

    from telecentre.records import cli, views
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.records)
