"""The documented deployment (deploy/pilotage.conf): two Streamlit processes of the app behind
nginx with sticky sessions, on one database, on loopback. A browser that imports copies through
one process and a browser reading the overview through the other: the second one sees the
new figures (with the French notice that they were updated) without reloading its page.

Needs nginx (Debian's; .ci/run installs it) and Chromium: skipped when either is missing,
except in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from data_access import db
from data_access.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
IMPORTED = 3

pytestmark = pytest.mark.browser


def _needs(path: str, package: str) -> None:
    if Path(path).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{package} manque : .ci/run doit l'installer (apt-get install {package})")
    pytest.skip(f"{package} n'est pas installé (apt-get install {package})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} s'est arrêté (code {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} n'a pas répondu à temps")


def _served_on(port: int) -> list[str]:
    """The arguments of `pilotage` in deploy/pilotage@.service, for the process on ``port``."""
    service = (PROJECT / "deploy" / "pilotage@.service").read_text()
    (command,) = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    program, *arguments = command.removeprefix("ExecStart=").split()
    assert program == "/opt/pilotage/.venv/bin/pilotage"
    return [argument.replace("%i", str(port)) for argument in arguments]


def _nginx_config(folder: Path, listen: int, ports: list[int]) -> Path:
    """deploy/pilotage.conf with the test's ports, in a main configuration of its own."""
    site = (PROJECT / "deploy" / "pilotage.conf").read_text()
    upstream = "".join(f"    server 127.0.0.1:{port};\n" for port in ports)
    site = re.sub(r"(    server 127\.0\.0\.1:\d+;\n)+", upstream, site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    (folder / "pilotage.conf").write_text(site)
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'};\nevents {{}}\n"
        f"http {{\n    access_log off;\n{temp}    include {folder / 'pilotage.conf'};\n}}\n"
    )
    return main


@pytest.fixture
def two_processes(demo_database: str, tmp_path: Path):
    """Two app processes behind nginx on a copy of the demo database: nginx's URL and the
    port of each process."""
    _needs(NGINX, "nginx")
    _needs(CHROMIUM, "chromium")
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_database.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    env = {**os.environ, "PILOTAGE_DATABASE_URL": url}
    env["PILOTAGE_SNAPSHOT_DIR"] = str(tmp_path / "instantanes")  # shared, as in production
    ports = [_free_port(), _free_port()]
    processes = []
    logs = []
    try:
        for port in ports:
            log = (tmp_path / f"streamlit-{port}.log").open("w")
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [sys.executable, "cli.py", *_served_on(port)],
                    cwd=PROJECT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            )
        for port, process in zip(ports, processes, strict=True):
            _wait_for(f"http://127.0.0.1:{port}/_stcore/health", process)
        listen = _free_port()
        nginx_folder = tmp_path / "nginx"
        nginx_folder.mkdir()
        config = _nginx_config(nginx_folder, listen, ports)
        nginx = subprocess.Popen([NGINX, "-c", str(config), "-p", str(nginx_folder)])
        processes.append(nginx)
        _wait_for(f"http://127.0.0.1:{listen}/_stcore/health", nginx)
        yield f"http://127.0.0.1:{listen}", ports, url
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        for log in logs:
            log.close()
        db.forget_engine(url)
    for port in ports:
        server_log = (tmp_path / f"streamlit-{port}.log").read_text()
        assert "Traceback" not in server_log, server_log


def _route_to(proxy: str, port: int) -> str:
    """A value of the route cookie that nginx sends to the process on ``port``."""
    for number in range(200):
        route = f"essai-{number}"
        request = urllib.request.Request(
            f"{proxy}/_stcore/health", headers={"Cookie": f"pilotage_route={route}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            if response.headers["X-Pilotage-Process"] == f"127.0.0.1:{port}":
                return route
    raise AssertionError(f"aucune route vers le port {port}")


def test_a_first_request_gets_a_route_and_keeps_its_process(two_processes) -> None:
    proxy, ports, _ = two_processes
    with urllib.request.urlopen(f"{proxy}/_stcore/health", timeout=5) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
        first = response.headers["X-Pilotage-Process"]
    routes = [re.match(r"pilotage_route=(\w+); Path=/; HttpOnly; SameSite=Lax", c) for c in cookies]
    (route,) = [found.group(1) for found in routes if found]
    for _ in range(5):
        request = urllib.request.Request(
            f"{proxy}/_stcore/health", headers={"Cookie": f"pilotage_route={route}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.headers["X-Pilotage-Process"] == first
            cookies = response.headers.get_all("Set-Cookie") or []
            assert not [c for c in cookies if "pilotage_route" in c]  # kept, not drawn again
    assert {_route_to(proxy, port) for port in ports}  # both processes are reachable


def _copies_shown(page) -> int:  # noqa: ANN001
    tile = page.locator('[data-testid="stMetric"]').filter(has_text="Copies reçues").first
    value = tile.locator('[data-testid="stMetricValue"]').inner_text()
    return int(re.sub(r"\D", "", value))


def _learners(url: str) -> list[str]:
    engine = db.get_engine(Settings(database_url=url))
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT l.external_id FROM learner l JOIN enrolment e ON e.learner_id = l.id "
            "JOIN study_group g ON g.id = e.group_id WHERE g.school_year = '2025-2026' "
            f"AND e.exit_date IS NULL ORDER BY l.id LIMIT {IMPORTED}"
        )
        return [row[0] for row in rows]


def test_an_import_in_one_process_is_seen_in_the_other(two_processes, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    proxy, ports, url = two_processes
    lines = ["N° apprenant;Matière;Devoir;Déposé le;Note"]
    lines += [f"{learner};Mathématiques;Essai à deux;15/06/2026;12" for learner in _learners(url)]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        readers, writers = (
            browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in ports
        )
        readers.add_cookies([{"name": "pilotage_route", "value": _route_to(proxy, ports[1]),
                              "url": proxy}])  # fmt: skip
        writers.add_cookies([{"name": "pilotage_route", "value": _route_to(proxy, ports[0]),
                              "url": proxy}])  # fmt: skip
        reader = readers.new_page()
        reader.goto(proxy)
        reader.get_by_text("Copies reçues").first.wait_for(timeout=90_000)
        before = _copies_shown(reader)

        writer = writers.new_page()
        writer.goto(proxy)  # a deep link's first load shows Streamlit's "Page not found"
        writer.get_by_text("Copies reçues").first.wait_for(timeout=90_000)
        writer.get_by_role("link", name="Importer des données").first.click()
        writer.get_by_role("heading", name="Importer des données").first.wait_for(timeout=90_000)
        writer.locator('input[type="file"]').first.set_input_files(
            files=[{"name": "copies.csv", "mimeType": "text/csv",
                    "buffer": "\n".join(lines).encode()}]
        )  # fmt: skip
        writer.get_by_text("peut être importé").first.wait_for(timeout=90_000)
        writer.get_by_role("button", name="Importer", exact=True).click()
        writer.get_by_text(f"Import réussi : {IMPORTED} lignes ajoutées").first.wait_for(
            timeout=90_000
        )

        reader.get_by_role("link", name="Tutorat").first.click()  # the reader's next rerun
        reader.get_by_role("heading", name="Tutorat").first.wait_for(timeout=90_000)
        # rebuilt in the background, then drawn by itself with the notice
        reader.get_by_text("Les chiffres ont été mis à jour").first.wait_for(timeout=180_000)
        reader.screenshot(path=str(tmp_path / "lecteur.png"), full_page=True)
        reader.get_by_role("link", name="Vue d'ensemble").first.click()
        reader.get_by_text("Copies reçues").first.wait_for(timeout=90_000)
        reader.wait_for_function(
            "() => document.querySelector('[data-testid=\"stApp\"]')"
            ".getAttribute('data-test-script-state') === 'notRunning'"
        )
        assert _copies_shown(reader) == before + IMPORTED
        assert reader.locator('[data-testid="stException"]').count() == 0
        assert writer.locator('[data-testid="stException"]').count() == 0
        browser.close()
