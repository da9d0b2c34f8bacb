"""WSGI entry point: ``gunicorn wsgi:app``."""
from telecentre import create_app

app = create_app()
