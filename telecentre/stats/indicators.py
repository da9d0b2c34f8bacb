"""The programme's indicators report: per site and county, per month, quarter and year.

Access points (PCs and kiosks in place at the end of the period), unique
residents, sessions, hours available (seat-hours open) and hours used —
read from the month rows and the stored unique counts, so a year is a few
dozen rows however long the history. Exported as CSV, XLSX and a printable page.
"""
import csv
import io
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.extensions import db
from telecentre.sites.services import list_sites
from telecentre.stats.models import MonthlySiteUsage, UniqueUsers

PERIODS = ("month", "quarter", "year")
# Printing (telecentre.printing.figures): pages, mono, colour, free, beyond the allowance.
PRINT_KEYS = ("print_pages", "print_mono", "print_colour", "print_free", "print_charged")


def _label(period: str, start: date) -> str:
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def _starts(period: str, year: int) -> list[date]:
    if period == "month":
        return [date(year, m, 1) for m in range(1, 13)]
    if period == "quarter":
        return [date(year, m, 1) for m in (1, 4, 7, 10)]
    return [date(year, 1, 1)]


def _months_of(period: str, start: date) -> list[date]:
    span = {"month": 1, "quarter": 3, "year": 12}[period]
    return [date(start.year, start.month + i, 1) for i in range(span)]


def indicators(year: int, site_ids: list[int] | None = None) -> dict:
    """Return the report of ``year``: for each period a row per site and a county row.

    Each row: site (slug, name; None for the county), period, label, pcs,
    kiosks, unique_users, sessions, hours_available, hours_used.
    """
    sites = [s for s in list_sites() if site_ids is None or s.id in site_ids]
    months = {(r.site_id, r.month): r for r in db.session.scalars(
        select(MonthlySiteUsage).where(MonthlySiteUsage.month >= date(year, 1, 1),
                                       MonthlySiteUsage.month < date(year + 1, 1, 1)))}
    uniques = {(u.site_id, u.period, u.start): u.users for u in db.session.scalars(
        select(UniqueUsers).where(UniqueUsers.start >= date(year, 1, 1),
                                  UniqueUsers.start < date(year + 1, 1, 1)))}
    from telecentre.printing import figures as printing
    prints = printing.pages_by_site_month(year, site_ids)
    report = {}
    for period in PERIODS:
        rows = []
        for start in _starts(period, year):
            total = {"pcs": 0, "kiosks": 0, "sessions": 0, "open": 0, "used": 0,
                     **printing.empty()}
            for site in sites:
                parts = [months[(site.id, m)] for m in _months_of(period, start)
                         if (site.id, m) in months]
                last = parts[-1] if parts else None
                row = {"pcs": last.pcs if last else 0, "kiosks": last.kiosks if last else 0,
                       "sessions": sum(p.sessions for p in parts),
                       "open": sum(p.open_seconds for p in parts),
                       "used": sum(p.used_seconds for p in parts), **printing.empty()}
                for month in _months_of(period, start):
                    printing.add(row, prints.get((site.id, month)))
                for key in total:
                    total[key] += row[key]
                rows.append(_row(site, period, start, row,
                                 uniques.get((site.id, period, start), 0)))
            if site_ids is None:
                rows.append(_row(None, period, start, total, uniques.get((0, period, start), 0)))
        report[period] = rows
    return report


def _row(site, period, start, values, users) -> dict:
    return {"site": site.slug if site else None,
            "site_name": site.name if site else _("County total"),
            "period": period, "start": start, "label": _label(period, start),
            "pcs": values["pcs"], "kiosks": values["kiosks"],
            "access_points": values["pcs"] + values["kiosks"], "unique_users": users,
            "sessions": values["sessions"],
            "hours_available": round(values["open"] / 3600, 1),
            "hours_used": round(values["used"] / 3600, 1),
            **{key: values[key] for key in PRINT_KEYS}}


def headers() -> list[str]:
    """Return the translated column titles of the exports."""
    return [_("Period"), _("Site"), _("PCs"), _("Kiosks"), _("Access points"),
            _("Unique users"), _("Sessions"), _("Hours available"), _("Hours used"),
            _("Pages printed"), _("Black-and-white pages"), _("Colour pages"), _("Free pages"),
            _("Paid pages")]


def _cells(row) -> list:
    return [row["label"], row["site_name"], row["pcs"], row["kiosks"], row["access_points"],
            row["unique_users"], row["sessions"], row["hours_available"], row["hours_used"],
            *(row[key] for key in PRINT_KEYS)]


def csv_dialect(locale: str) -> tuple[str, str]:
    """Return (field separator, decimal mark) a spreadsheet in ``locale`` reads.

    Where the decimal mark is a comma (Polish, Ukrainian) spreadsheets split
    CSV on semicolons, as Excel and LibreOffice do in those locales.
    """
    from babel.numbers import get_decimal_symbol
    decimal = get_decimal_symbol(locale)
    return (";" if decimal == "," else ","), decimal


def to_csv(report: dict, locale: str | None = None) -> bytes:
    """Return the report as CSV for a spreadsheet in ``locale`` (default: the reader's).

    UTF-8 with a BOM so that spreadsheets read the diacritics; semicolons and
    a decimal comma for Polish, commas and a decimal point for English.
    """
    if locale is None:
        from flask_babel import get_locale
        locale = str(get_locale() or "pl")
    separator, decimal = csv_dialect(locale)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator)
    writer.writerow([_("Granularity"), *headers()])
    names = {"month": _("month"), "quarter": _("quarter"), "year": _("year")}
    for period in PERIODS:
        for row in report[period]:
            writer.writerow([names[period], *(str(c).replace(".", decimal)
                                              if isinstance(c, float) else c
                                              for c in _cells(row))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: dict, year: int) -> bytes:
    """Return the report as an XLSX workbook: one sheet per month/quarter/year view."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    titles = {"month": _("Months"), "quarter": _("Quarters"), "year": _("Year")}
    for index, period in enumerate(PERIODS):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = f"{titles[period]} {year}"[:31]
        sheet.append(headers())
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in report[period]:
            sheet.append(_cells(row))
            if row["site"] is None:
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column, width in zip("ABCDEFGHIJKLMN", (12, 34, 8, 8, 14, 14, 10, 16, 12,
                                                    14, 14, 12, 12, 12), strict=True):
            sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
