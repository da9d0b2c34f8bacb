"""The indicators report on the hand-made June history, and its CSV, XLSX and print forms."""
import csv
import io

import pytest
from openpyxl import load_workbook



def _rows(report, period, label):
    return {r["site"]: r for r in report[period] if r["label"] == label}


def test_indicators_by_month_quarter_and_year(history):
    from telecentre.stats.indicators import indicators
    report = indicators(2026)
    june = _rows(report, "month", "2026-06")
    cycow = june["cycow"]
    assert (cycow["pcs"], cycow["kiosks"], cycow["access_points"]) == (1, 1, 2)
    assert (cycow["unique_users"], cycow["sessions"]) == (3, 6)
    assert (cycow["hours_available"], cycow["hours_used"]) == (312, 3.7)
    assert june[None]["unique_users"] == 3  # r1 at two sites counts once for the county
    assert june[None]["sessions"] == 7 and june[None]["hours_available"] == 480
    assert june[None]["access_points"] == 3
    q2 = _rows(report, "quarter", "2026 Q2")
    # Rolled up from 1 May: May 320 + June 312 seat-hours; r1 in both months counts once.
    assert (q2["cycow"]["sessions"], q2["cycow"]["unique_users"]) == (7, 3)
    assert q2["cycow"]["hours_available"] == 632
    year = _rows(report, "year", "2026")
    assert year[None]["sessions"] == 8 and year[None]["unique_users"] == 3
    assert year["spiczyn"]["sessions"] == 0
    assert len(report["month"]) == 12 * 8 and len(report["quarter"]) == 4 * 8


@pytest.fixture
def admin_client(app, login, create_user):
    client = app.test_client()
    login(client, create_user("admin"))
    return client


def test_csv_and_xlsx_exports(history, admin_client):
    reply = admin_client.get("/stats/indicators.csv?year=2026")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    text = reply.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Szczegółowość" and rows[0][2] == "Placówka"  # Polish by default
    june = [r for r in rows if r[1] == "2026-06" and r[2] == "Urząd Gminy Cyców"][0]
    # then printing: pages, black-and-white, colour, free, paid (none printed here)
    assert june[3:] == ["1", "1", "2", "3", "6", "312,0", "3,7", "0", "0", "0", "0", "0"]
    reply = admin_client.get("/stats/indicators.xlsx?year=2026")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.data))
    assert len(book.sheetnames) == 3
    months = book[book.sheetnames[0]]
    found = [[c.value for c in row] for row in months.iter_rows(min_row=2)
             if row[0].value == "2026-06" and row[1].value == "Urząd Gminy Cyców"][0]
    assert found[2:] == [1, 1, 2, 3, 6, 312, 3.7, 0, 0, 0, 0, 0]
    yearly = book[book.sheetnames[2]]
    total = [[c.value for c in row] for row in yearly.iter_rows(min_row=2)][-1]
    assert total[1] == "Razem powiat" and total[6] == 8


def test_printable_and_json_forms(history, admin_client):
    page = admin_client.get("/stats/indicators/print?year=2026")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "@media print" not in body and "stats.css" in body
    assert "2026 Q2" in body and "Razem powiat" in body
    data = admin_client.get("/api/v1/stats/indicators?year=2026").get_json()
    cycow = [r for r in data["month"] if r["site"] == "cycow" and r["label"] == "2026-06"][0]
    assert cycow["sessions"] == 6 and cycow["start"] == "2026-06-01"
    bad = admin_client.get("/api/v1/stats/indicators?year=abc")
    assert bad.status_code == 422 and bad.get_json()["error"] == "invalid_input"


def test_csv_follows_the_readers_spreadsheet_conventions(history, admin_client):
    """Polish: semicolons and a decimal comma, BOM kept; English: commas and a point."""
    polish = admin_client.get("/stats/indicators.csv?year=2026").data
    assert polish.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(polish.decode("utf-8-sig")), delimiter=";"))
    june = [r for r in rows if r[1] == "2026-06" and r[2] == "Urząd Gminy Cyców"][0]
    # then printing: pages, black-and-white, colour, free, paid (none printed here)
    assert june[3:] == ["1", "1", "2", "3", "6", "312,0", "3,7", "0", "0", "0", "0", "0"]
    from telecentre.stats.indicators import indicators, to_csv
    english = to_csv(indicators(2026), "en").decode("utf-8-sig")
    june = [r for r in csv.reader(io.StringIO(english))
            if r[1] == "2026-06" and r[2] == "Urząd Gminy Cyców"][0]
    assert june[8:10] == ["312.0", "3.7"]


def _polish_locale() -> str | None:
    import subprocess
    names = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    return next((n for n in names if n.lower() in ("pl_pl.utf8", "pl_pl.utf-8")), None)


def test_libreoffice_in_a_polish_locale_reads_numbers_as_numbers(history, admin_client,
                                                                  tmp_path):
    """Open the CSV as a Polish LibreOffice does; numbers land in numeric cells, columns split."""
    import os
    import shutil
    import subprocess
    soffice, pl_locale = shutil.which("soffice"), _polish_locale()
    if not soffice or not pl_locale:
        pytest.skip("needs libreoffice-calc and the pl_PL.UTF-8 locale (scripts/system-deps.sh)")
    source = tmp_path / "indicators.csv"
    source.write_bytes(admin_client.get("/stats/indicators.csv?year=2026").data)
    env = dict(os.environ, LC_ALL=pl_locale, LANG=pl_locale, LANGUAGE="pl",
               HOME=str(tmp_path))  # a fresh LibreOffice profile, Polish like its user
    # The import dialog's Polish defaults: semicolon (59), quote (34), UTF-8 (76), from
    # line 1; numbers are read in the locale's own format (the language token is left out).
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--infilter=CSV:59,34,76,1", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path), str(source)],
                   env=env, check=True, capture_output=True, timeout=180)
    book = load_workbook(tmp_path / "indicators.xlsx")
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Szczegółowość", "Okres", "Placówka"] and len(header) == 15
    june = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)
            if row[1].value == "2026-06" and row[2].value == "Urząd Gminy Cyców"][0]
    assert june[3:] == [1, 1, 2, 3, 6, 312, 3.7, 0, 0, 0, 0, 0]
    assert all(isinstance(v, (int, float)) for v in june[3:])
