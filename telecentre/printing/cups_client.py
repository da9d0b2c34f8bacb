"""The adapter to a site's CUPS server: IPP through pycups (the libcups binding).

Thin on purpose: list the jobs waiting in a queue, release, cancel, read a
job's state, and count a held job's pages. The services get one through
``connect(settings)`` so tests can point it at their own cupsd on loopback.

The server must show us the private job attributes (who and from where):
its policy needs ``JobPrivateAccess`` to include the account we use (or
``all``) and we ask only for the attributes below — never ``job-name``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone

from telecentre.printing import pages as page_count

# IPP job-state values (RFC 8011 5.3.7).
PENDING, HELD, PROCESSING, STOPPED, CANCELED, ABORTED, COMPLETED = 3, 4, 5, 6, 7, 8, 9
JOB_ATTRIBUTES = ["job-id", "job-state", "job-printer-uri", "job-originating-host-name",
                  "job-originating-user-name", "time-at-creation", "copies",
                  "print-color-mode", "job-impressions", "job-media-sheets",
                  "job-impressions-completed", "job-media-sheets-completed",
                  "document-format", "ColorModel"]


class PrintServerError(Exception):
    """The print server could not be reached or refused the operation."""


@dataclass
class CupsJob:
    """What we read of a job (no document name, no content)."""

    job_id: int
    queue: str
    state: int
    host: str
    user: str
    created_at: datetime
    copies: int
    colour: bool
    pages: int | None  # from the server or counted from the document; None when unknown
    document_format: str


def _queue_of(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _colour(attrs: dict) -> bool:
    """True for a colour job: IPP print-color-mode, or a PPD driver's ColorModel option."""
    model = str(attrs.get("ColorModel") or "").lower()
    if model:
        return model not in ("gray", "grey", "black", "kgray", "monochrome")
    return str(attrs.get("print-color-mode") or "") == "color"


class CupsClient:
    """One connection to a CUPS server (host, port)."""

    def __init__(self, host: str, port: int):
        import cups  # imported here: a server without printing never needs libcups
        self._cups = cups
        self.host, self.port = host, port
        try:
            self.conn = cups.Connection(host=host, port=int(port))
        except (RuntimeError, cups.IPPError) as exc:
            raise PrintServerError(str(exc)) from exc

    def _call(self, name: str, *args, **kwargs):
        try:
            return getattr(self.conn, name)(*args, **kwargs)
        except (RuntimeError, self._cups.IPPError, self._cups.HTTPError) as exc:
            raise PrintServerError(str(exc)) from exc

    def queue_uri(self, queue: str) -> str:
        """Return the IPP address of *queue* on this server."""
        return f"ipp://{self.host}:{self.port}/printers/{queue}"

    def waiting_jobs(self, queues: list[str]) -> list[CupsJob]:
        """Return the not-completed jobs of *queues*, pages counted where they can be."""
        found = self._call("getJobs", which_jobs="not-completed",
                           requested_attributes=JOB_ATTRIBUTES)
        jobs = []
        for job_id, attrs in sorted(found.items()):
            queue = _queue_of(str(attrs.get("job-printer-uri", "")))
            if queue not in queues:
                continue
            jobs.append(self._job(job_id, attrs, queue))
        return jobs

    def _job(self, job_id: int, attrs: dict, queue: str) -> CupsJob:
        copies = max(1, int(attrs.get("copies") or 1))
        pages = attrs.get("job-impressions") or attrs.get("job-media-sheets")
        if not pages and attrs.get("job-state") == HELD:
            pages = self.count_document_pages(queue, job_id)
        created = datetime.fromtimestamp(int(attrs.get("time-at-creation") or 0), timezone.utc)
        return CupsJob(job_id=job_id, queue=queue, state=int(attrs.get("job-state") or 0),
                       host=str(attrs.get("job-originating-host-name") or ""),
                       user=str(attrs.get("job-originating-user-name") or ""),
                       created_at=created, copies=copies, colour=_colour(attrs),
                       pages=int(pages) * copies if pages else None,
                       document_format=str(attrs.get("document-format") or ""))

    def count_document_pages(self, queue: str, job_id: int) -> int | None:
        """Count the pages of a held job's first document (CUPS-Get-Document); None if unknown.

        The document goes to a temporary file that is deleted at once: only the
        number is kept.
        """
        try:
            got = self._call("getDocument", self.queue_uri(queue), job_id, 1)
        except PrintServerError:
            return None
        path = got.get("file")
        try:
            with open(path, "rb") as fh:
                return page_count.count(fh, str(got.get("document-format") or ""))
        finally:
            if path and os.path.exists(path):
                os.unlink(path)

    def job_state(self, job_id: int) -> int | None:
        """Return the job's IPP state, or None when the server no longer knows it."""
        try:
            attrs = self._call("getJobAttributes", job_id, requested_attributes=["job-state"])
        except PrintServerError:
            return None
        return int(attrs.get("job-state") or 0)

    def release(self, job_id: int) -> None:
        """Let a held job print (job-hold-until = no-hold)."""
        self._call("setJobHoldUntil", job_id, "no-hold")

    def cancel(self, job_id: int) -> None:
        """Cancel a job and remove its document from the server."""
        self._call("cancelJob", job_id, purge_job=True)


def connect(settings) -> CupsClient:
    """Return a client for the site's print server (``PrintSettings``)."""
    return CupsClient(settings.cups_host, settings.cups_port)
