"""End to end in a real browser: `streamlit run` on a free port, Debian's Chromium driven by
Playwright, the overview shows its figures and no page shows an error."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_TITLES = [
    "Activité et pics",
    "Délais de correction",
    "Tutorat",
    "Prévoir la charge",
    "Décrochage",
    "Accompagnement personnalisé",
    "Entretiens",
    "Fiche apprenant",
    "Importer des données",
    "Planifier l'AP",
    "Journal d'audit",
    "Aide",
]

PASSWORD = "une phrase de passe"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit s'est arrêté (code {process.returncode})")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("streamlit n'a pas répondu à temps")


def _serve(database_url: str, tmp_path: Path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium manque : .ci/run doit l'installer (apt-get install chromium)")
        pytest.skip("Chromium n'est pas installé (apt-get install chromium)")
    port = _free_port()
    env = {**os.environ, "PILOTAGE_DATABASE_URL": database_url}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "cli.py", "serve", "--port", str(port), "--",
         "--browser.gatherUsageStats", "false"],  # prepared before it answers, as deployed
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    server_log = (tmp_path / "streamlit.log").read_text()
    assert "Erreur inattendue" not in server_log, server_log
    assert "Traceback" not in server_log, server_log


@pytest.fixture
def served_app(demo_database: str, tmp_path: Path):
    yield from _serve(demo_database, tmp_path)


@pytest.fixture
def served_with_accounts(demo_database: str, tmp_path: Path):
    """A copy of the demo database with accounts: a login is needed."""
    from data_access import accounts, db
    from data_access.settings import Settings

    copy = tmp_path / "comptes.db"
    shutil.copyfile(demo_database.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    engine = db.get_engine(Settings(database_url=url))
    with engine.connect() as connection:
        first_site = connection.exec_driver_sql("SELECT name FROM site ORDER BY name").first()[0]
    accounts.add_account(engine, login="resp", role="site", sites=(first_site,), password=PASSWORD)
    db.forget_engine(url)
    yield from _serve(url, tmp_path)


def test_overview_and_every_page_in_chromium(served_app: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served_app)
        page.get_by_text("Copies reçues").first.wait_for(timeout=90_000)
        metrics = page.locator('[data-testid="stMetricValue"]')
        page.wait_for_function(  # the page draws its tiles one after the other
            "document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= 6",
            timeout=60_000,
        )
        values = metrics.all_inner_texts()
        assert len(values) >= 6
        assert values[0].strip() not in ("", "0", "—")
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        for title in PAGE_TITLES:
            page.get_by_role("link", name=title).first.click()
            page.get_by_role("heading", name=title).first.wait_for(timeout=90_000)
            page.wait_for_load_state("networkidle")
            assert page.locator('[data-testid="stException"]').count() == 0, title
            assert page.get_by_text("erreur inattendue").count() == 0, title
        browser.close()


def test_the_server_survives_hostile_uploads(served_app: str, tmp_path: Path) -> None:
    """The files that used to kill the server (a sheet claiming 16 384 × 1 048 576 cells, an
    archive inflating far beyond what it declares...) are refused with a French message, and
    the server goes on serving pages."""
    import hostile
    from playwright.sync_api import sync_playwright

    names = ["etendue-immense.xlsx", "archive-menteuse.xlsx", "lignes-repetees.ods"]
    names.append("cellule-lointaine.xls")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served_app)
        page.get_by_text("Copies reçues").first.wait_for(timeout=90_000)
        page.get_by_role("link", name="Importer des données").first.click()
        page.get_by_role("heading", name="Importer des données").first.wait_for(timeout=90_000)
        for name in names:
            page.locator('input[type="file"]').first.set_input_files(
                files=[{"name": name, "mimeType": "application/octet-stream",
                        "buffer": hostile.HOSTILE[name]()}]
            )  # fmt: skip
            alert = page.locator('[data-testid="stAlertContentError"]').filter(has_text=name)
            alert.first.wait_for(timeout=90_000)
            assert "refusé" in alert.first.inner_text()
        page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
        page.get_by_role("link", name="Vue d'ensemble").first.click()
        page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=90_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()


def test_login_form_in_chromium(served_with_accounts: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served_with_accounts)  # the server's first session (Streamlit's own start)
        page.get_by_role("heading", name="Pilotage — connexion").wait_for(timeout=90_000)
        page.goto(f"{served_with_accounts}/delais")  # a deep link: the form comes first
        page.get_by_role("heading", name="Pilotage — connexion").wait_for(timeout=90_000)
        assert page.locator('[data-testid="stMetricValue"]').count() == 0
        page.get_by_label("Identifiant").fill("resp")
        page.get_by_label("Mot de passe").fill("pas le bon")
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_text("Identifiant ou mot de passe incorrect.").wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "login_refused.png"), full_page=True)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_role("heading", name="Délais de correction").wait_for(timeout=90_000)
        assert page.get_by_text("resp — Responsable de site").count() == 1
        assert page.get_by_role("link", name="Importer des données").count() == 1
        assert page.get_by_role("link", name="Journal d'audit").count() == 0
        page.screenshot(path=str(tmp_path / "logged_in.png"), full_page=True)
        page.goto(f"{served_with_accounts}/journal")  # outside the role (a new session)
        page.get_by_role("heading", name="Pilotage — connexion").wait_for(timeout=60_000)
        page.get_by_label("Identifiant").fill("resp")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_text("n'est pas ouverte à votre rôle").wait_for(timeout=60_000)
        assert page.get_by_role("heading", name="Journal d'audit").count() == 0
        page.screenshot(path=str(tmp_path / "refused.png"), full_page=True)
        page.get_by_role("button", name="Se déconnecter").click()
        page.get_by_role("heading", name="Pilotage — connexion").wait_for(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()


def test_a_shared_link_opens_the_same_view_in_chromium(served_app: str, tmp_path: Path) -> None:
    """A link with the sidebar's selection opens it (period, comparison), keeps it on reload;
    a malformed one says so in French; a learner's file opens from its address."""
    from playwright.sync_api import sync_playwright

    link = f"{served_app}/?annee=2024-2025&du=2024-10-01&au=2024-12-31&comparer=1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(link)
        page.get_by_text("Du 01/10/2024 au 31/12/2024").first.wait_for(timeout=90_000)
        page.get_by_text("même période un an plus tôt").first.wait_for(timeout=60_000)
        page.reload()
        page.get_by_text("Du 01/10/2024 au 31/12/2024").first.wait_for(timeout=90_000)
        assert "du=2024-10-01" in page.url and "comparer=1" in page.url
        page.screenshot(path=str(tmp_path / "shared_link.png"), full_page=True)
        page.goto(f"{served_app}/?du=2026-13-01&au=2026-12-31")
        page.get_by_text("Le lien ouvert contient des valeurs inutilisables").wait_for(
            timeout=90_000
        )
        page.goto(f"{served_app}/fiche-apprenant?apprenant=inconnu-42")
        page.get_by_text("Aucun apprenant d'identifiant").wait_for(timeout=90_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()


def _until_still(page, seconds: float = 2.0) -> None:  # noqa: ANN001
    """Wait until the app has stopped running for ``seconds``."""
    quiet = 0.0
    for _ in range(600):
        if page.locator("[data-testid='stStatusWidget']").count() == 0:
            quiet += 0.25
            if quiet >= seconds:
                return
        else:
            quiet = 0.0
        time.sleep(0.25)


def test_clicking_a_bar_shows_the_rows_behind_it_in_chromium(
    served_app: str, tmp_path: Path
) -> None:
    """Décrochage, tab "Par site": a click on the largest bar chooses its site, and the table
    of the enrolments behind it has as many rows as the site's figure."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served_app)  # a cold deep link may say "Page not found" once
        page.get_by_text("Copies reçues").first.wait_for(timeout=120_000)
        page.get_by_role("link", name="Décrochage").first.click()
        page.get_by_role("heading", name="Taux d'abandon par groupe, site et public").wait_for(
            timeout=120_000
        )
        page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=120_000)
        _until_still(page)
        page.get_by_role("tab", name="Par site").click()
        charts = page.locator("[data-testid='stVegaLiteChart']")
        page.wait_for_function(
            "[...document.querySelectorAll(\"[data-testid='stVegaLiteChart']\")]"
            ".filter(c => c.offsetParent !== null).length >= 2",
            timeout=60_000,
        )
        chart = next(c for c in charts.all() if c.is_visible() and c.bounding_box()["y"] > 300)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + 20)  # the first, largest bar
        caption = page.get_by_text("inscriptions actives dans la période, dont")
        caption.wait_for(timeout=60_000)
        count = int(
            "".join(c for c in caption.inner_text().split(" inscriptions")[0] if c.isdigit())
        )
        assert count > 0  # the caption shows only once a site is chosen: by the click
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(tmp_path / "bar_clicked.png"), full_page=True)
        browser.close()
