"""What a Polish public body publishes: the accessibility statement and the privacy notice."""


def init_app(app):
    """Register the statement and notice pages."""
    from telecentre.legal import views
    app.register_blueprint(views.bp)
