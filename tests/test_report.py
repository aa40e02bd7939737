"""The HTML run report: one self-contained file with the run's numbers and the model's charts,
drawn by a real browser (headless Chromium) without a single network request."""

from __future__ import annotations

import html as htmllib
import http.server
import os
import re
import shutil
import socketserver
import struct
import subprocess
import tempfile
import threading
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from chutian_mdm.ingest import ingest_file
from chutian_mdm.report.svg import BAR_COLOUR

from .conftest import Cli
from .helpers import person, write_csv
from .steward_helpers import golden_of

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _report(scli: Cli, path: Path, *args: str) -> str:
    code, out, err = scli("report", *args, "--out", str(path))
    assert code == 0, (out, err)
    return path.read_text(encoding="utf-8")


def test_report_holds_the_runs_numbers_and_the_model_charts_in_one_file(scli: Cli, db: sa.Engine,
                                                                          tmp_path: Path) -> None:
    page = _report(scli, tmp_path / "run.html")
    charts = set(re.findall(r'<svg data-chart="([^"]+)"', page))
    assert {"quarantine-reasons", "cluster-sizes", "review-queued", "review-status", "release-changes",
            "match-weights-name", "m-probability-name", "u-probability-name",
            "match-weights-citizen_id"} <= charts
    assert page.count('class="bar"') > 50
    with db.connect() as conn:
        rows_in, quarantined = conn.execute(sa.text(
            "SELECT sum(rows_in), sum(quarantined) FROM staging.batches WHERE domain = 'population'")).one()
        clusters = conn.execute(sa.text("SELECT golden_records FROM golden.releases")).scalar_one()
        reasons = conn.execute(sa.text(
            "SELECT r->>'code', count(*) FROM staging.quarantine, jsonb_array_elements(reasons) r "
            "WHERE domain = 'population' AND r->>'severity' = 'error' GROUP BY 1")).all()
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", page))
    for label, value in (("rows ingested", rows_in), ("rows quarantined", quarantined), ("golden records", clusters)):
        assert re.search(rf"{value:,}\s+{label}", text), label
    assert reasons
    for code, count in reasons:
        assert f"<title>{code}: {count:,}</title>" in page
    assert "derived_from_id" not in page  # a note on a quarantined row is not why it was quarantined
    assert "open review pairs" in text and "created" in text and "same valid ID" in text
    # Self-contained: nothing to fetch, nothing to run.
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|src=|href=", page, re.I)
    assert "Content-Security-Policy" in page


def test_report_of_an_earlier_run_counts_only_the_batches_since_the_run_before(
        scli: Cli, db: sa.Engine, tmp_path: Path) -> None:
    rows = [person("NEW1", name="上官婉清", 出生日期="1990-01-01", 公民身份号码=""),
            person("NEW2", name="", 出生日期="1990-01-02")]  # no name: quarantined
    ingest_file(db, "population", write_csv(tmp_path / "new.csv", rows), "police")
    assert scli("run", "population")[0] == 0
    page = _report(scli, tmp_path / "second.html")
    assert "batches since run 1" in page and "new.csv" in page and "civil_affairs.csv" not in page
    assert "<title>required_missing: 1</title>" in page
    everything = _report(scli, tmp_path / "all.html", "--all-batches")
    assert "civil_affairs.csv" in everything and "new.csv" in everything
    first = _report(scli, tmp_path / "first.html", "1")
    assert "Run 1 ·" in first and "new.csv" not in first


def test_report_with_a_golden_record_draws_its_cluster_and_escapes_what_the_data_holds(
        scli: Cli, db: sa.Engine, tmp_path: Path) -> None:
    hostile = [person(f"X{i}", name="<script>alert(1)</script>", 公民身份号码="", 出生日期="1977-07-07",
                      联系电话="13712121212") for i in range(2)]
    ingest_file(db, "population", write_csv(tmp_path / "hostile.csv", hostile), "police")
    assert scli("run", "population")[0] == 0
    golden = golden_of(db, "police", "X0")
    page = _report(scli, tmp_path / "cluster.html", "--golden", golden)
    assert '<svg data-chart="cluster-graph"' in page and "police:X0" in page and "police:X1" in page
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_report_errors_are_one_clear_line(scli: Cli, tmp_path: Path) -> None:
    code, _, err = scli("report", "999", "--out", str(tmp_path / "x.html"))
    assert code == 1 and "no run 999" in err
    code, _, err = scli("report", "--domain", "legal_entity", "--out", str(tmp_path / "x.html"))
    assert code == 2 and "no successful run of legal_entity yet" in err
    code, _, err = scli("report", "--golden", "PSN-0999999999", "--out", str(tmp_path / "x.html"))
    assert code == 1 and "no golden record PSN-0999999999" in err


# -- in a real browser, offline --------------------------------------------------------------------

def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed, and CI must render the report (apt-get install -y chromium)")
        pytest.skip("chromium is not installed: cannot render the report in a browser (apt-get install chromium)")
    return found


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A proxy that answers nothing and remembers every request made through it."""

    seen: list[tuple[str, str]]

    def _record(self) -> None:
        self.seen.append((self.command, self.path))
        self.send_response(502)
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_CONNECT = _record

    def log_message(self, *args: object) -> None:
        pass


def _png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and the unfiltered rows of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, b""
    width = height = bpp = 0
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    raw, stride = zlib.decompress(compressed), width * bpp
    previous, rows = bytearray(stride), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = previous[i], (previous[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


@pytest.mark.slow
def test_report_renders_its_charts_in_headless_chromium_without_any_network_request(
        scli: Cli, tmp_path: Path) -> None:
    chromium = _chromium()
    report = tmp_path / "report.html"
    _report(scli, report)

    seen: list[tuple[str, str]] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = Path(tempfile.mkdtemp(prefix="chutian-report-chromium-"))
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--proxy-server=http://127.0.0.1:{server.server_address[1]}",
             "--proxy-bypass-list=<-loopback>"]

    def browse(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([chromium, *flags, *args], capture_output=True, text=True, timeout=120,
                              check=True, cwd=tmp_path)

    try:
        # Control: a page that fetches an image shows that the proxy sees Chromium's requests, and
        # which requests Chromium makes on its own (its background services, whatever the page).
        control = tmp_path / "control.html"
        control.write_text('<img src="http://proxy-check.invalid/pixel.png">', encoding="utf-8")
        browse("--dump-dom", control.as_uri())
        assert any("proxy-check.invalid" in path for _, path in seen), seen
        background = {_host(path) for _, path in seen} - {"proxy-check.invalid"}
        seen.clear()

        dom = browse("--dump-dom", report.as_uri()).stdout
        shot = tmp_path / "report.png"
        browse("--window-size=1000,1800", f"--screenshot={shot}", report.as_uri())
        by_report = [(method, path) for method, path in seen if _host(path) not in background]
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(profile, ignore_errors=True)

    assert not by_report, f"the report made network requests: {by_report}"
    for chart in ("cluster-sizes", "quarantine-reasons", "match-weights-name", "release-changes"):
        element = re.search(rf'<svg data-chart="{chart}".*?</svg>', dom, re.S)
        assert element and 'class="bar"' in element.group(0), chart
    width, height, bpp, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == (1000, 1800)
    colour = bytes.fromhex(BAR_COLOUR.lstrip("#"))
    bar_pixels = sum(row[x:x + 3] == colour for row in rows for x in range(0, width * bpp, bpp))
    assert bar_pixels > 500, bar_pixels  # the bars are drawn, in the bar colour


def _host(path: str) -> str:
    """The host a proxied request goes to: ``GET http://host/…`` or ``CONNECT host:443``."""
    return re.sub(r"^[a-z]+://", "", path).split("/")[0].split(":")[0]
