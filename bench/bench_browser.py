"""What a user waits for in a real browser: the app served by `pilotage serve` on the national
seed, opened in Debian's Chromium driven by Playwright.

Usage:
    python bench/bench_browser.py [--database URL] [--port 8616] [--rounds 2] [--plain]
                                  [--after-import]
                                  [--sessions N] [--think 0 [5 ...]] [--nice-browsers]
                                  [--timeout 120] [--budget 900]

The app is served by ``pilotage serve``, which prepares it before its port opens (``--plain``:
by ``streamlit run``, prepared by its first page). The time from the process's launch to its
first answer is printed apart ("Prêt"), then one session: the first page once it answers, then
every page clicked ``--rounds`` times (first visit, then revisits), then the site filter set
and cleared. With ``--after-import``, a session then imports a small file of copies in the
browser (the database changes) and opens the next pages: their times after a write.

With ``--sessions N``, N more sessions (Playwright contexts of one browser) then open the app
and click through every page at the same time, once for each ``--think`` value: the median,
95th percentile and longest page time (opening the app apart from the clicks, and all
together), the errors, the server's processor time per page and its share of the machine's
processor, and the server's memory before, at its peak and after (per session).

``--think SECONDS`` (one value or several, each from 0 to MAX_THINK): the time a session
waits after a page is drawn before its next click, as a user reading the page would; each
wait is drawn uniformly between half and one and a half times the value (the same draws on
every run: one seeded generator per session), so that the sessions do not click in step.
0 (the default): every session clicks as soon as its page is drawn, the worst case. A page
time never includes the wait.

``--nice-browsers``: Chromium (and every process it starts) runs under ``nice -n 19`` and in
the idle scheduling class (``chrt --idle 0``: Chromium resets the niceness of its processes,
which as root undoes ``nice`` alone), through a small wrapper script written in a temporary
directory; the server keeps its priority. The browsers then take only the processor the
server leaves: the server's part is measured almost as if the browsers were on the users' own
machines. The page times still include the browsers' own work, done on what processor is left.

Sessions are bounded in number (MAX_SESSIONS) and in time (``--budget`` seconds for them all,
for each think time; one page waits ``--timeout`` at most). The load average is printed before
and after, and the server's processor time (from /proc) beside every page time.

A page time runs from the click to the end of the script run that draws it (the app's
``data-test-script-state`` going from "running" back to "notRunning") and the next frame
painted. The browsers run on the same machine as the server: with many sessions they share
its cores, which overstates the server's part unless ``--nice-browsers`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import stat
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeout

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
DEFAULT_DATABASE = "sqlite:////tmp/pilotage_national.db"
PAGES = [
    "Activité et pics",
    "Délais de correction",
    "Tutorat",
    "Décrochage",
    "Accompagnement personnalisé",
    "Entretiens",
    "Importer des données",
    "Planifier l'AP",
    "Vue d'ensemble",
]
WATCH = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__ran = false; window.__done = false;
    if (window.__watching) return;
    window.__watching = true;
    new MutationObserver(() => {
        const state = app.getAttribute('data-test-script-state');
        if (state === 'running') window.__ran = true;
        if (window.__ran && state === 'notRunning') window.__done = true;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
DONE = "() => window.__done === true"
SHOWN = """title => window.__done === true || (
    document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state')
        === 'notRunning'
    && [...document.querySelectorAll('h1')].some(h => h.textContent.trim() === title))"""
"""A page visited is drawn: its run seen to end, or (a run so short that the browser never
showed it running) the page's title there and no run going on."""
PAINTED = "() => new Promise(resolve => requestAnimationFrame(() => resolve(true)))"


MAX_SESSIONS = 40
"""Sessions at once at most (each is a Chromium context: about 100 Mo and some processor)."""
MAX_THINK = 60.0
"""Longest think time between two clicks of a session, in seconds."""
BROWSER_NICENESS = 19
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """Processor seconds (user + system, every thread) the process has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1, 5, 15 min, {os.cpu_count()} cœurs)"


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank on the sorted values,
    rank rounded from ``fraction * (n - 1)``)."""
    if not values:
        raise ValueError("aucune valeur")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def percentiles(seconds: list[float]) -> str:
    """Median, 95th percentile and longest of page times, in seconds."""
    if not seconds:
        return "aucune page"
    ordered = sorted(seconds)
    p95 = percentile(ordered, 0.95)
    return (
        f"médiane {statistics.median(ordered):.2f} s, 95e centile {p95:.2f} s, "
        f"le plus long {ordered[-1]:.2f} s"
    )


def machine_cpu_seconds() -> float:
    """Processor seconds every core of the machine has spent busy so far (/proc/stat)."""
    try:
        with open("/proc/stat") as stat_file:
            fields = [int(value) for value in stat_file.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and waiting for the disk
    return (sum(fields[:8]) - idle) / TICKS


def browser_wrapper(
    directory: Path, executable: str = CHROMIUM, niceness: int = BROWSER_NICENESS
) -> Path:
    """A script in ``directory`` that runs ``executable`` with its arguments at the lowest
    priority: ``nice -n niceness`` and the idle scheduling class (``chrt --idle 0``), which the
    processes it starts inherit. The idle class matters: Chromium sets the niceness of its own
    processes and threads (0, 5, -8), which, run as root, undoes ``nice`` alone."""
    wrapper = directory / "chromium-nice"
    wrapper.write_text(
        f'#!/bin/sh\nexec nice -n {int(niceness)} chrt --idle 0 "{executable}" "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return wrapper


def think_waits(think: float, clicks: int, session: int) -> list[float]:
    """The waits of session number ``session`` before each of its ``clicks`` clicks: uniform
    between half and one and a half times ``think``, the same for the same session; none (0)
    when ``think`` is 0."""
    if think <= 0:
        return [0.0] * clicks
    draws = random.Random(session)
    return [draws.uniform(0.5 * think, 1.5 * think) for _ in range(clicks)]


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def serve(database: str, port: int, plain: bool = False) -> subprocess.Popen:
    """The app served on ``port`` by ``pilotage serve`` (prepared before its port opens), or
    with ``plain`` by ``streamlit run`` (prepared by its first page); returns once it answers,
    having printed how long that took from the process's launch, and its processor time."""
    env = {**os.environ, "PILOTAGE_DATABASE_URL": database}
    if plain:
        command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                   "--server.headless", "true", "--browser.gatherUsageStats", "false"]  # fmt: skip
    else:
        command = [sys.executable, "cli.py", "serve", "--port", str(port)]
    log = tempfile.TemporaryFile("w+")
    launched = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"le serveur s'est arrêté (code {process.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                ready = time.perf_counter() - launched
                log.seek(0)
                prepared = [line.strip() for line in log if "Pilotage préparé" in line]
                how = "streamlit run" if plain else "pilotage serve"
                print(
                    f"Prêt ({how}) : {ready:.2f} s après le lancement du processus "
                    f"(serveur : {cpu_seconds(process.pid):.2f} s de processeur)"
                    + (f" ; {prepared[0]}" if prepared else "")
                )
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("le serveur n'a pas répondu en 300 s")


async def timed(page, action, timeout_ms: int, title: str | None = None) -> float:  # noqa: ANN001
    """Seconds from the action to the end of the script run it starts, painted (for a page
    visited, ``title``: to its title drawn with no run going on)."""
    await page.evaluate(WATCH)
    start = time.perf_counter()
    await action()
    if title is None:
        await page.wait_for_function(DONE, timeout=timeout_ms)
    else:
        await page.wait_for_function(SHOWN, arg=title, timeout=timeout_ms)
    await page.evaluate(PAINTED)
    return time.perf_counter() - start


async def errors_on(page) -> int:  # noqa: ANN001
    exceptions = await page.locator('[data-testid="stException"]').count()
    unexpected = await page.get_by_text("erreur inattendue").count()
    return exceptions + unexpected


async def open_app(page, url: str, timeout_ms: int) -> float:  # noqa: ANN001
    start = time.perf_counter()
    await page.goto(url, timeout=timeout_ms)  # Playwright's own default is 30 s
    await page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=timeout_ms)
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') === 'notRunning'",
        timeout=timeout_ms,
    )
    await page.evaluate(PAINTED)
    return time.perf_counter() - start


async def visit(page, title: str, timeout_ms: int) -> float:  # noqa: ANN001
    link = page.get_by_role("link", name=title).first
    return await timed(page, link.click, timeout_ms, title)


async def set_site(page, timeout_ms: int) -> tuple[float, float]:  # noqa: ANN001
    """Choose the first site in the sidebar filter, then clear it: the two times."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first

    async def choose() -> None:  # the list opens on the arrow key, Enter takes the first
        await box.locator("input").first.click()
        await page.keyboard.press("ArrowDown")
        await page.keyboard.press("Enter")

    chosen = await timed(page, choose, timeout_ms)
    await page.keyboard.press("Escape")

    async def cleared() -> None:  # the last chosen value goes with Backspace
        await box.locator("input").first.focus()
        await page.keyboard.press("Backspace")

    removed = await timed(page, cleared, timeout_ms)
    await page.keyboard.press("Escape")
    return chosen, removed


FIRST_PAGE = "Première page une fois prêt (vue d'ensemble)"


async def opening(page, url: str, timeout_ms: int, server: int, what: str) -> None:  # noqa: ANN001
    """Open the app in ``page`` and print the time, with the server's processor time."""
    processor = cpu_seconds(server)
    seconds = await open_app(page, url, timeout_ms)
    print(
        f"{what} : {seconds:.2f} s (serveur : {cpu_seconds(server) - processor:.2f} s de "
        "processeur)"
    )


async def one_user(browser, url: str, rounds: int, timeout_ms: int, server: int) -> None:  # noqa: ANN001
    """One session alone: each page time, with the server's processor time for that page."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await opening(page, url, timeout_ms, server, FIRST_PAGE)
    # A user who came before: a new session (another tab, its own script runs) in a browser
    # whose HTTP cache already holds the app's static files, as every morning after a restart.
    again = await context.new_page()
    await opening(
        again,
        url,
        timeout_ms,
        server,
        "Nouvelle session, navigateur déjà venu (fichiers de l'application en cache)",
    )
    await again.close()
    times: dict[str, list[tuple[float, float]]] = {title: [] for title in PAGES}
    late = 0
    for _ in range(rounds):
        for title in PAGES:
            processor = cpu_seconds(server)
            try:
                seconds = await visit(page, title, timeout_ms)
            except PlaywrightTimeout:  # counted, then the next page
                seconds, late = float("inf"), late + 1
            times[title].append((seconds, cpu_seconds(server) - processor))
    chosen = cleared = float("inf")
    processor = cpu_seconds(server)
    try:
        await visit(page, "Vue d'ensemble", timeout_ms)
        processor = cpu_seconds(server)
        chosen, cleared = await set_site(page, timeout_ms)
    except PlaywrightTimeout:
        late += 1
    filter_cpu = cpu_seconds(server) - processor
    print("page | " + " | ".join(f"passage {n + 1} (processeur du serveur)" for n in range(rounds)))
    for title, measured in times.items():
        print(f"{title} | " + " | ".join(f"{s:.2f} s ({c:.2f} s)" for s, c in measured))
    print(
        f"Filtre de site choisi (vue d'ensemble) : {chosen:.2f} s ; retiré : {cleared:.2f} s "
        f"(serveur, les deux : {filter_cpu:.2f} s de processeur)"
    )
    visits = [measured[0][0] for measured in times.values()]
    revisits = [s for measured in times.values() for s, _ in measured[1:]]
    print(f"Premières visites : {percentiles(visits)}")
    if revisits:
        print(f"Revisites : {percentiles(revisits)}")
    print(
        f"Erreurs affichées : {await errors_on(page)} ; pages au-delà de {timeout_ms // 1000} s : {late}"
    )
    await context.close()


async def many_users(
    browser,  # noqa: ANN001
    url: str,
    sessions: int,
    timeout_ms: int,
    server: int,
    budget: float,
    think: float = 0.0,
) -> None:
    """``sessions`` sessions at once, each opening the app then clicking every page, waiting
    about ``think`` seconds before each click (see ``think_waits``); the whole bounded by
    ``budget`` seconds (sessions still running then are stopped and counted)."""
    before = rss_mb(server)
    processor = cpu_seconds(server)
    machine = machine_cpu_seconds()
    openings: list[float] = []
    clicks: list[float] = []
    failures: list[str] = []

    async def user(number: int) -> None:
        waits = think_waits(think, len(PAGES), number)
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        page = await context.new_page()
        try:
            openings.append(await open_app(page, url, timeout_ms))
            for title, wait in zip(PAGES, waits, strict=True):
                await asyncio.sleep(wait)
                clicks.append(await visit(page, title, timeout_ms))
            if await errors_on(page):
                failures.append(f"session {number} : erreur affichée")
        except asyncio.CancelledError:
            failures.append(f"session {number} : arrêtée au bout de {budget:.0f} s")
            raise
        except Exception as error:  # noqa: BLE001 (counted and reported)
            failures.append(f"session {number} : {type(error).__name__}")
        finally:
            await context.close()

    peak = before

    async def watch_memory() -> None:
        nonlocal peak
        while True:
            peak = max(peak, rss_mb(server))
            await asyncio.sleep(0.5)

    print(
        f"\n{sessions} sessions en même temps, temps de lecture {think:.0f} s "
        f"(de {0.5 * think:.1f} à {1.5 * think:.1f} s avant chaque clic) ; charge : {load()}"
    )
    watcher = asyncio.create_task(watch_memory())
    start = time.perf_counter()
    tasks = [asyncio.create_task(user(n)) for n in range(sessions)]
    _, late = await asyncio.wait(tasks, timeout=budget)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    elapsed = time.perf_counter() - start
    watcher.cancel()
    after = rss_mb(server)
    used = cpu_seconds(server) - processor
    busy = machine_cpu_seconds() - machine
    times = openings + clicks
    print(
        f"{len(times)} pages en {elapsed:.1f} s ({len(openings)} ouvertures, {len(clicks)} clics)"
    )
    print(f"temps d'une page, tout compris : {percentiles(times)}")
    print(f"ouverture de l'application (nouvelle session) : {percentiles(openings)}")
    print(f"clic sur une page : {percentiles(clicks)}")
    if times:
        cores = os.cpu_count() or 1
        print(
            f"processeur du serveur : {used:.1f} s en tout, {used / len(times):.2f} s par page "
            f"en moyenne, {100 * used / elapsed:.0f} % d'un cœur ; la machine entière : "
            f"{busy:.1f} s ({100 * busy / (elapsed * cores):.0f} % de ses {cores} cœurs, "
            f"navigateurs, serveur et autres travaux)"
        )
    print(f"erreurs : {len(failures)}" + (f" ({'; '.join(failures)})" if failures else ""))
    print(
        f"mémoire du serveur : {before:.0f} Mo avant, pic {peak:.0f} Mo, {after:.0f} Mo après, "
        f"soit {(peak - before) / sessions:.0f} Mo par session au plus fort"
    )
    print(f"charge après : {load()}")


IMPORTED = 3
"""Copies imported by ``--after-import`` (a small file: what a secretary adds in a day)."""


def _learners(database: str, count: int) -> list[str]:
    """Identifiers of learners enrolled in the latest school year, for a small file of copies."""
    import sqlalchemy as sa

    engine = sa.create_engine(database)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT l.external_id FROM learner l JOIN enrolment e ON e.learner_id = l.id "
                "JOIN study_group g ON g.id = e.group_id WHERE g.school_year = "
                "(SELECT MAX(school_year) FROM study_group) AND e.exit_date IS NULL "
                "ORDER BY l.id LIMIT :count"
            ),
            {"count": count},
        )
        learners = [row[0] for row in rows]
    engine.dispose()
    return learners


async def after_import(browser, url: str, database: str, timeout_ms: int, server: int) -> None:  # noqa: ANN001
    """A session imports a small file of copies on the page « Importer des données » (the
    database changes: a copy's), then opens the overview and another page: their times."""
    lines = ["N° apprenant;Matière;Devoir;Déposé le;Note"]
    assignment = f"Essai du banc {time.strftime('%d/%m/%Y %H:%M:%S')}"  # new copies each run
    lines += [f"{learner};Mathématiques;{assignment};15/06/2026;12"
              for learner in _learners(database, IMPORTED)]  # fmt: skip
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await open_app(page, url, timeout_ms)
    await visit(page, "Importer des données", timeout_ms)
    await page.locator('input[type="file"]').first.set_input_files(
        files=[{"name": "copies.csv", "mimeType": "text/csv",
                "buffer": "\n".join(lines).encode()}]
    )  # fmt: skip
    await page.get_by_text("peut être importé").first.wait_for(timeout=timeout_ms)
    processor = cpu_seconds(server)
    start = time.perf_counter()
    await page.get_by_role("button", name="Importer", exact=True).click()
    done = f"Import réussi : {IMPORTED} lignes ajoutées"
    await page.get_by_text(done).first.wait_for(timeout=timeout_ms)
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') === 'notRunning'",
        timeout=timeout_ms,
    )
    imported = time.perf_counter() - start
    print(
        f"Import de {IMPORTED} copies dans le navigateur, chiffres refaits compris : "
        f"{imported:.2f} s (serveur : {cpu_seconds(server) - processor:.2f} s de processeur)"
    )
    for title in ("Vue d'ensemble", "Activité et pics"):
        processor = cpu_seconds(server)
        seconds = await visit(page, title, timeout_ms)
        print(
            f"Page suivante après l'import ({title}) : {seconds:.2f} s "
            f"(serveur : {cpu_seconds(server) - processor:.2f} s de processeur)"
        )
    print(f"Erreurs affichées : {await errors_on(page)}")
    await context.close()


async def run(arguments: argparse.Namespace, server: subprocess.Popen) -> None:
    from playwright.async_api import async_playwright

    url = f"http://127.0.0.1:{arguments.port}"
    timeout_ms = int(arguments.timeout * 1000)
    async with async_playwright() as playwright:
        with tempfile.TemporaryDirectory(prefix="bench_browser_") as directory:
            executable = (
                browser_wrapper(Path(directory)) if arguments.nice_browsers else Path(CHROMIUM)
            )
            browser = await playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_FLAGS
            )
            await measure(browser, arguments, server, url, timeout_ms)
            await browser.close()


async def measure(
    browser,  # noqa: ANN001
    arguments: argparse.Namespace,
    server: subprocess.Popen,
    url: str,
    timeout_ms: int,
) -> None:
    """The single session (or the one opening), then the sessions at once for each think
    time."""
    print(f"Mémoire du serveur avant la première page : {rss_mb(server.pid):.0f} Mo")
    if arguments.rounds:
        await one_user(browser, url, arguments.rounds, timeout_ms, server.pid)
    else:  # the data loaded once before the sessions come: they measure clicks, not a start
        context = await browser.new_context()
        await opening(await context.new_page(), url, timeout_ms, server.pid, FIRST_PAGE)
        await context.close()
    print(f"Mémoire du serveur : {rss_mb(server.pid):.0f} Mo ; charge : {load()}")
    if arguments.after_import:
        await after_import(browser, url, arguments.database, timeout_ms, server.pid)
    if arguments.nice_browsers:
        print(
            f"Navigateurs lancés sous nice -n {BROWSER_NICENESS} et chrt --idle 0 ; "
            "serveur à sa priorité"
        )
    for think in arguments.think if arguments.sessions else []:
        await many_users(
            browser,
            url,
            arguments.sessions,
            timeout_ms,
            server.pid,
            arguments.budget,
            think,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--port", type=int, default=8616)
    parser.add_argument(
        "--rounds", type=int, default=2, help="passages de la session seule (0 : aucune)"
    )
    parser.add_argument("--sessions", type=int, default=0)
    parser.add_argument(
        "--after-import",
        action="store_true",
        help=f"importer {IMPORTED} copies dans le navigateur puis mesurer les pages suivantes "
        "(la base change)",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="servir par « streamlit run » (sans préparation) au lieu de « pilotage serve »",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs="+",
        default=[0.0],
        metavar="SECONDES",
        help="temps de lecture avant chaque clic des sessions ; plusieurs valeurs : "
        "les sessions repassent pour chacune (défaut 0)",
    )
    parser.add_argument(
        "--nice-browsers",
        action="store_true",
        help=f"lancer Chromium sous nice -n {BROWSER_NICENESS} et chrt --idle 0 "
        "(le serveur garde sa priorité)",
    )
    parser.add_argument("--timeout", type=float, default=120, help="secondes par page au plus")
    parser.add_argument(
        "--budget", type=float, default=900, help="secondes au plus pour toutes les sessions"
    )
    arguments = parser.parse_args()
    if not 0 <= arguments.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions : de 0 à {MAX_SESSIONS}")
    if not all(0 <= think <= MAX_THINK for think in arguments.think) or len(arguments.think) > 4:
        parser.error(f"--think : de 0 à {MAX_THINK:.0f} s, quatre valeurs au plus")
    print(f"Machine : charge {load()} ; base {arguments.database}")
    server = serve(arguments.database, arguments.port, arguments.plain)
    try:
        asyncio.run(run(arguments, server))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
