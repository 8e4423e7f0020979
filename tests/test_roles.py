"""Who sees what, in the app: for each role, every page of its navigation opened through
app.py on the two-site world (tests/two_sites.py), with nothing of the other site anywhere on
the screen and the same figures as the direction's with that site chosen; pages outside a
role not registered at all; and each attack refused in French, with nothing else shown and the
attempt in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from apptest import APP, identity, plain
from google.protobuf.text_format import MessageToString
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash
from two_sites import MARSEILLE_WORDS, two_sites

from data_access import accounts, audit, db
from data_access.accounts import DISABLED, MAX_FAILED_LOGINS, WRONG_CREDENTIALS
from data_access.settings import get_settings
from ui.auth import LOGIN_KEY

PASSWORD = "une phrase de passe"
ANALYSIS = [
    "pages/overview.py",
    "pages/activity.py",
    "pages/delays.py",
    "pages/tutoring.py",
    "pages/forecast.py",
    "pages/report.py",
    "pages/dropout.py",
    "pages/at_risk.py",
    "pages/support.py",
    "pages/interviews.py",
]
NAMED = ["pages/learner.py"]
HELP = ["pages/help.py"]
"""Pages of the roles that see learners by name (besides the planning)."""
PAGES_OF = {
    "dir": [*ANALYSIS, *NAMED, *HELP, "pages/import_data.py", "pages/plan_ap.py", "pages/audit.py"],
    "lyon": [*ANALYSIS, *NAMED, *HELP, "pages/import_data.py", "pages/plan_ap.py"],
    "prof": [*ANALYSIS, *NAMED, *HELP, "pages/plan_ap.py"],
    "lecteur": [*ANALYSIS, *HELP],
}
SAME_AS = {"lyon": {"filter_sites": ["Lyon"]}, "prof": {"filter_groups": ["CAP Rhône"]}}


@pytest.fixture
def world_app(app_database) -> Iterator[sa.Engine]:  # noqa: ANN001
    """The two-site world as the app's database, with one account of each role."""
    app_database(two_sites())
    engine = db.get_engine(get_settings())
    accounts.add_account(engine, login="dir", role="direction", password=PASSWORD)
    accounts.add_account(engine, login="lyon", role="site", sites=("Lyon",), password=PASSWORD)
    accounts.add_account(
        engine, login="prof", role="équipe", groups=("CAP Rhône",), password=PASSWORD
    )
    accounts.add_account(
        engine, login="lecteur", role="lecture", sites=("Lyon",), password=PASSWORD
    )
    yield engine


def _session(login: str | None, **state: object) -> AppTest:
    """app.py with the session of the account already open (the form is tested below)."""
    app = AppTest.from_file(APP, default_timeout=120)
    if login is not None:
        app.session_state[LOGIN_KEY] = login
    for key, value in state.items():
        app.session_state[key] = value
    return app


def _open(login: str | None, page: str = "pages/overview.py", **state: object) -> AppTest:
    app = _session(login, **state).run()
    if page != "pages/overview.py":
        app.switch_page(page).run()
    return app


def _nodes(node):  # noqa: ANN001, ANN202
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def screen(app: AppTest) -> str:
    """Everything the screen holds, as text: every element's message (titles, captions, metrics,
    options of every widget, chart specifications and data) and every table's cells."""
    texts = [
        MessageToString(node.proto, as_utf8=True)
        for node in _nodes(app._tree)
        if getattr(node, "proto", None) is not None
    ]
    texts += [table.value.to_string() for table in app.dataframe]
    return "\n".join(texts)


def _main_metrics(app: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in app.main.metric]


def _registered_files(app: AppTest) -> list[str]:
    return sorted(
        "pages/" + info["script_path"].split("/pages/")[-1]
        for info in app._registered_pages.values()
        if info.get("script_path")
    )


def _trail(engine: sa.Engine) -> list[tuple[str | None, str, str]]:
    return [(r["login"], r["event"], r["detail"]) for r in audit.entries(engine).to_dicts()]


@pytest.mark.parametrize("login", list(PAGES_OF))
def test_each_role_has_only_its_pages_in_its_navigation(world_app, login: str) -> None:  # noqa: ANN001
    app = _open(login)
    assert not app.exception
    assert _registered_files(app) == sorted(PAGES_OF[login])


@pytest.mark.parametrize("login", ["lyon", "prof", "lecteur"])
def test_no_page_shows_anything_of_the_other_site(world_app, login: str) -> None:  # noqa: ANN001
    for page in PAGES_OF[login]:
        app = _open(login, page)
        assert not app.exception, (login, page, app.exception)
        shown = screen(app)
        leaks = [word for word in MARSEILLE_WORDS if word in shown]
        assert leaks == [], (login, page, leaks)
        assert app.main.title and not app.error, (login, page)  # the page itself, not a refusal


@pytest.mark.parametrize("login", ["lyon", "prof"])
def test_figures_equal_the_directions_with_that_site_or_group_chosen(
    world_app,  # noqa: ANN001
    login: str,
) -> None:
    for page in ANALYSIS:
        mine = _open(login, page)
        theirs = _open("dir", page, **SAME_AS[login])
        assert _main_metrics(mine) == _main_metrics(theirs), (login, page)
        assert _main_metrics(mine) or page in ("pages/overview.py", "pages/report.py"), page
        tables = [t.value.to_string() for t in mine.main.dataframe]
        assert tables == [t.value.to_string() for t in theirs.main.dataframe], (login, page)


def test_the_overview_shows_each_sites_own_figures(world_app) -> None:  # noqa: ANN001
    lyon = dict(_main_metrics(_open("lyon")))
    everything = dict(_main_metrics(_open("dir")))
    assert (lyon["Copies reçues"], everything["Copies reçues"]) == ("3", "10")
    assert lyon["Taux d'abandon"].replace("\xa0", " ").replace("\u202f", " ") == "33,3 %"


def test_lecture_sees_figures_but_no_name_and_no_learner_table(world_app) -> None:  # noqa: ANN001
    for page in ANALYSIS:
        app = _open("lecteur", page)
        shown = screen(app)
        assert not [w for w in ("Lyonnais", "Rhodanien", "Léa", "LY-00") if w in shown], page
        columns = {c for t in app.dataframe for c in t.value.columns}
        assert not columns & {"Identifiant", "Identifiant apprenant", "Apprenant"}, page
    dropout = _open("lecteur", "pages/dropout.py")
    assert dict(_main_metrics(dropout))["Abandons"] == "1"
    at_risk = _open("lecteur", "pages/at_risk.py")
    assert any("non affichée pour le rôle lecture" in c.value for c in at_risk.caption)
    assert not [b for b in at_risk.button if b.label == "Enregistrer le contact"]


def test_open_access_without_any_account(app_database) -> None:  # noqa: ANN001
    app_database(two_sites())
    app = _open(None)
    assert not app.exception
    assert "Accès ouvert" in screen(app)
    assert dict(_main_metrics(app))["Copies reçues"] == "10"
    assert len(_registered_files(app)) == len(PAGES_OF["dir"])


# --- the login form and the attacks -----------------------------------------------------


def _login(app: AppTest, login: str, password: str) -> AppTest:
    app.text_input(key="login_name").input(login)
    app.text_input(key="login_password").input(password)
    return app.button[0].click().run()


def test_the_login_form_opens_the_session_and_logout_ends_it(world_app) -> None:  # noqa: ANN001
    app = _session(None).run()
    assert app.title[0].value == "Pilotage — connexion"
    assert not app.metric and "Fourvière" not in screen(app)
    _login(app, "lyon", PASSWORD)
    assert not app.exception and not app.error
    assert dict(_main_metrics(app))["Copies reçues"] == "3"
    next(b for b in app.sidebar.button if b.label == "Se déconnecter").click().run()
    assert app.title[0].value == "Pilotage — connexion" and not app.metric
    events = [(login, event) for login, event, _ in _trail(world_app)]
    assert events[:2] == [("lyon", "déconnexion"), ("lyon", "connexion")]


@pytest.mark.parametrize(
    ("login", "password", "message", "recorded"),
    [
        ("lyon", "pas le bon", WRONG_CREDENTIALS, ("lyon", "mot de passe incorrect")),
        ("inconnu", PASSWORD, WRONG_CREDENTIALS, (None, "identifiant inconnu")),
    ],
)
def test_a_wrong_password_or_an_unknown_login_is_refused(
    world_app,  # noqa: ANN001
    login: str,
    password: str,
    message: str,
    recorded: tuple,
) -> None:
    app = _login(_session(None).run(), login, password)
    assert [plain(e.value) for e in app.error] == [message]
    assert not app.metric
    assert _trail(world_app)[0] == (recorded[0], "connexion refusée", recorded[1])


def test_a_disabled_account_cannot_log_in(world_app) -> None:  # noqa: ANN001
    accounts.set_disabled(world_app, "lyon", True)
    app = _login(_session(None).run(), "lyon", PASSWORD)
    assert [plain(e.value) for e in app.error] == [DISABLED]
    assert not app.metric
    assert _trail(world_app)[0] == ("lyon", "connexion refusée", "compte désactivé")


def test_repeated_failures_lock_the_account(world_app) -> None:  # noqa: ANN001
    app = _session(None).run()
    for _ in range(MAX_FAILED_LOGINS):
        _login(app, "lyon", "pas le bon")
    assert "ce compte est bloqué jusqu'à" in plain(app.error[0].value)
    _login(app, "lyon", PASSWORD)
    assert "bloqué" in plain(app.error[0].value) and not app.metric


def test_a_session_whose_account_was_disabled_meanwhile_ends(world_app) -> None:  # noqa: ANN001
    app = _open("lyon")
    assert dict(_main_metrics(app))["Copies reçues"] == "3"
    accounts.set_disabled(world_app, "lyon", True)
    app.run()
    assert app.title[0].value == "Pilotage — connexion"
    assert "désactivé ou supprimé pendant votre session" in plain(app.error[0].value)
    assert not app.metric and "Fourvière" not in screen(app)
    assert _trail(world_app)[0][:2] == ("lyon", "accès refusé")


@pytest.mark.parametrize(
    ("login", "address", "title"),
    [("lyon", "journal", "Journal d'audit"), ("lecteur", "importer", "Importer des données"),
     ("prof", "importer", "Importer des données"), ("lecteur", "planifier-ap", "Planifier l'AP")],
)  # fmt: skip
def test_a_forged_address_of_a_page_outside_the_role_is_refused(
    world_app,  # noqa: ANN001
    login: str,
    address: str,
    title: str,
) -> None:
    app = _session(login).run()
    app._page_hash = calc_hash(address)  # the browser asking for /<address>
    app.run()
    assert [plain(e.value).split(" Votre compte")[0] for e in app.main.error] == [
        f"La page « {title} » n'est pas ouverte à votre rôle."
    ]
    assert not app.main.title and not app.main.metric and not app.file_uploader
    assert _trail(world_app)[0][:2] == (login, "accès refusé")
    assert title in _trail(world_app)[0][2]


def test_a_url_parameter_naming_a_site_outside_the_perimeter_is_refused(world_app) -> None:  # noqa: ANN001
    app = _session("lyon")
    app.query_params["site"] = "Marseille"
    app.run()
    assert "Site « Marseille » : hors de votre périmètre." in plain(app.error[0].value)
    assert not app.main.metric and not app.main.title
    assert not [w for w in MARSEILLE_WORDS[1:] if w in screen(app)]
    assert _trail(world_app)[0][:2] == ("lyon", "accès refusé")
    app.run()  # the refused value is forgotten: the user goes on with their own data
    assert dict(_main_metrics(app))["Copies reçues"] == "3"


def test_a_url_parameter_of_their_own_site_opens_filtered(world_app) -> None:  # noqa: ANN001
    app = _session("dir")
    app.query_params["site"] = "Lyon"
    app.run()
    assert dict(_main_metrics(app))["Copies reçues"] == "3"


@pytest.mark.parametrize(("login", "learner"), [("lyon", "MA-001"), ("prof", "LY-003")])
def test_a_learner_outside_the_perimeter_has_no_file(world_app, login: str, learner: str) -> None:  # noqa: ANN001
    """The file is searched in the user's part of the data: a learner of Marseille (for Lyon's
    manager) or of another class (for the teacher of CAP Rhône) is not found, by the address
    or by the search."""
    app = _open(login, "pages/learner.py")
    app.query_params["apprenant"] = learner
    app.run()
    assert not identity(app)
    assert any(
        f"Aucun apprenant d'identifiant « {learner} »" in plain(w.value) for w in app.warning
    )
    app.text_input(key="learner_query").input(learner).run()
    assert any("Aucun apprenant ne correspond" in plain(i.value) for i in app.info)
    app.query_params["apprenant"] = "LY-001"  # their own
    app.run()
    assert identity(app)[:2] == ["LY-001", "Mme Fourvière"]


@pytest.mark.parametrize(
    ("login", "key", "value"),
    [("lyon", "filter_sites", "Marseille"), ("prof", "filter_groups", "CAP Calanque")],
)
def test_a_widget_value_outside_the_perimeter_is_refused(
    world_app,  # noqa: ANN001
    login: str,
    key: str,
    value: str,
) -> None:
    app = _open(login, **{key: [value]})
    assert f"« {value} » : hors de votre périmètre." in plain(app.error[0].value)
    assert not app.main.metric and not app.exception
    assert _trail(world_app)[0][:2] == (login, "accès refusé")


MARSEILLE_LEARNER = (
    "Identifiant;Nom;Classe;Site;Date d'entrée\nMA-009;Phocéen;CAP Calanque;Marseille;01/09/2025\n"
)
LYON_LEARNER = (
    "Identifiant;Nom;Classe;Site;Date d'entrée\nLY-009;Lyonnais;CAP Rhône;Lyon;01/09/2025\n"
)
MARSEILLE_COPY = (
    "N° apprenant;Matière;Déposé le;Corrigé le\nMA-001;Français;02/03/2026;03/03/2026\n"
)


def _upload(login: str, name: str, content: str) -> AppTest:
    app = _open(login, "pages/import_data.py")
    return app.file_uploader(key="import_file").upload(name, content.encode()).run()


@pytest.mark.parametrize("content", [MARSEILLE_LEARNER, MARSEILLE_COPY])
def test_an_import_touching_another_site_is_refused(world_app, content: str) -> None:  # noqa: ANN001
    before = audit.entries(world_app).height
    app = _upload("lyon", "autre_site.csv", content)
    assert not app.exception
    (refusal,) = [plain(e.value) for e in app.error]
    assert refusal.startswith("Import refusé : ce fichier ajouterait ou modifierait des données")
    assert "« Marseille » (" in refusal and "Votre compte importe pour : Lyon" in refusal
    assert not [b for b in app.button if b.label == "Importer"]
    entry = _trail(world_app)[0]
    assert entry[:2] == ("lyon", "accès refusé") and "autre_site.csv (SHA-256 " in entry[2]
    assert audit.entries(world_app).height == before + 1
    with world_app.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM learner")).scalar_one() == 8


def test_an_import_of_their_own_site_is_recorded(world_app) -> None:  # noqa: ANN001
    app = _upload("lyon", "lyon.csv", LYON_LEARNER)
    next(b for b in app.button if b.label == "Importer").click().run()
    assert any("Import réussi : 1 ligne ajoutée" in plain(s.value) for s in app.success)
    login, event, detail = _trail(world_app)[0]
    assert (login, event) == ("lyon", "import")
    assert detail.startswith("lyon.csv (SHA-256 ") and "1 ligne ajoutée" in detail
    assert "Lyonnais" not in detail


def test_a_team_prepares_a_plan_but_cannot_save_it(world_app) -> None:  # noqa: ANN001
    app = _open("prof", "pages/plan_ap.py")
    assert not app.exception
    assert not [b for b in app.button if b.label == "Enregistrer le plan"]


@pytest.mark.parametrize(
    ("email", "verified", "opens"),
    [("Resp.Lyon@ecole.fr", True, True), ("intrus@ailleurs.fr", True, False),
     ("resp.lyon@ecole.fr", False, False)],
)  # fmt: skip
def test_openid_connect_opens_the_account_of_that_email(
    world_app,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
    email: str,
    verified: bool,
    opens: bool,
) -> None:
    """The provider itself cannot run here: its answer (the e-mail of the person it logged in)
    is given through ui.auth.oidc_identity, the one place that reads st.user."""
    from ui import auth

    accounts.add_account(world_app, login="oidc", role="site", sites=("Lyon",), email=email.lower())
    if not opens and verified:
        accounts.delete_account(world_app, "oidc")
    monkeypatch.setattr(auth, "oidc_providers", lambda: [None])
    monkeypatch.setattr(auth, "oidc_identity", lambda: (email, verified))
    app = _open(None)
    assert not app.exception
    if opens:
        assert dict(_main_metrics(app))["Copies reçues"] == "3"
        assert _trail(world_app)[0] == ("oidc", "connexion", "OpenID Connect")
        return
    assert app.title[0].value == "Pilotage — connexion" and not app.metric
    assert app.error and "Fourvière" not in screen(app)
    assert _trail(world_app)[0][1] == "connexion refusée"
    app.run()  # the refusal is recorded once per session, not at every rerun
    assert [e for e in _trail(world_app) if e[1] == "connexion refusée"] == [_trail(world_app)[0]]


def test_the_direction_reads_the_trail_without_any_learner_name(world_app) -> None:  # noqa: ANN001
    lyon = _upload("lyon", "lyon.csv", LYON_LEARNER)
    next(b for b in lyon.button if b.label == "Importer").click().run()
    _upload("lyon", "autre_site.csv", MARSEILLE_LEARNER)
    app = _open("dir", "pages/audit.py")
    assert not app.exception and app.main.title[0].value == "Journal d'audit"
    (table,) = app.main.dataframe
    shown = table.value.to_string()
    assert "lyon.csv (SHA-256" in shown and "autre_site.csv" in shown
    assert not [w for w in ("Lyonnais", "Phocéen", "LY-009", "MA-009") if w in shown]
