"""Telecentre agent: lock screen, time limits that hold offline, durable usage events.

Standard library only (psutil is used when present). Never imports the server
package, Flask or SQLAlchemy: it runs on the public PCs and kiosks.
"""

__version__ = "1.0.0"
