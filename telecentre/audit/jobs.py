"""Periodic jobs of the audit log."""
from telecentre.jobs import job


@job("audit.seal", "interval", seconds=10)
def seal_audit_entries():
    """Seal the entries committed since the last run into the hash chain (in id order)."""
    from telecentre.audit.services import seal_all
    return seal_all()
