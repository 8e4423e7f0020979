"""Named views saved per account: saved, listed, replaced and deleted for their account only
(SQLite, and PostgreSQL when configured); in the sidebar, a logged-in user saves the view shown
and finds it listed, as a link to the same page with the same address parameters."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl

import pytest
import sqlalchemy as sa
from apptest import plain
from streamlit.testing.v1 import AppTest
from test_roles import _open, world_app  # noqa: F401 (fixture)

from data_access import audit, db, saved_views
from data_access.saved_views import NAME_MAX, ViewRefused
from domain import AUDIT_ACCOUNT
from ui.sidebar import VIEW_NAME_KEY

QUERY = "annee=2025-2026&du=2025-10-01&au=2025-12-31&site=Lyon&site=Nice&pic=3"
NOON = datetime(2026, 1, 15, 12, 0)


def test_save_list_replace_delete(engine: sa.Engine) -> None:
    version = db.data_version(engine)
    first = saved_views.save(engine, "lyon", "  Lyon   T1 ", QUERY, now=NOON)
    assert first.name == "Lyon T1"
    saved_views.save(engine, "lyon", "Année entière", "annee=2025-2026", now=NOON)
    listed = saved_views.views_of(engine, "lyon")
    assert [(v.name, v.query) for v in listed] == [
        ("Année entière", "annee=2025-2026"),
        ("Lyon T1", QUERY),
    ]
    replaced = saved_views.save(engine, "lyon", "Lyon T1", "annee=2024-2025", now=NOON)
    listed = saved_views.views_of(engine, "lyon")
    assert [(v.name, v.query) for v in listed] == [
        ("Année entière", "annee=2025-2026"),
        ("Lyon T1", "annee=2024-2025"),
    ]
    assert saved_views.delete_view(engine, "lyon", replaced.id)
    assert not saved_views.delete_view(engine, "lyon", replaced.id)
    assert [v.name for v in saved_views.views_of(engine, "lyon")] == ["Année entière"]
    assert db.data_version(engine) == version  # a view is not data: the figures stay cached


def test_one_account_never_sees_nor_deletes_anothers_views(engine: sa.Engine) -> None:
    mine = saved_views.save(engine, "lyon", "Ma vue", QUERY, now=NOON)
    saved_views.save(engine, "dir", "Ma vue", "annee=2024-2025", now=NOON)
    assert [v.query for v in saved_views.views_of(engine, "dir")] == ["annee=2024-2025"]
    assert [v.query for v in saved_views.views_of(engine, "lyon")] == [QUERY]
    assert saved_views.views_of(engine, "prof") == []
    assert not saved_views.delete_view(engine, "dir", mine.id)
    assert [v.id for v in saved_views.views_of(engine, "lyon")] == [mine.id]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Donnez un nom à la vue."),
        ("   ", "Donnez un nom à la vue."),
        ("x" * (NAME_MAX + 1), f"Le nom d'une vue tient en {NAME_MAX} caractères au plus."),
    ],
)
def test_an_empty_or_too_long_name_is_refused(engine: sa.Engine, name: str, message: str) -> None:
    with pytest.raises(ViewRefused, match=message):
        saved_views.save(engine, "lyon", name, QUERY)
    assert saved_views.views_of(engine, "lyon") == []


def test_a_name_of_sixty_characters_is_kept(engine: sa.Engine) -> None:
    saved_views.save(engine, "lyon", "é" * NAME_MAX, QUERY, now=NOON)
    assert [v.name for v in saved_views.views_of(engine, "lyon")] == ["é" * NAME_MAX]


def _views_box(app: AppTest):  # noqa: ANN202
    return next(e for e in app.sidebar.expander if e.label == "Vues enregistrées")


def _links(app: AppTest) -> list[tuple[str, str, dict]]:
    return [
        (link.proto.label, link.proto.page, link.proto.query_string)
        for link in app.sidebar.get("page_link")
    ]


def test_a_logged_in_user_saves_the_view_and_sees_it_listed(world_app: sa.Engine) -> None:  # noqa: F811
    app = _open("lyon")
    box = _views_box(app)
    assert "Aucune vue enregistrée." in [c.value for c in box.caption]
    app.text_input(key=VIEW_NAME_KEY).input("Mon trimestre")
    next(b for b in app.sidebar.button if b.label == "Enregistrer cette vue").click().run()
    assert not app.exception and not app.error
    assert any("Mon trimestre" in s.value for s in app.sidebar.success)
    [view] = saved_views.views_of(world_app, "lyon")
    assert view.name == "Mon trimestre"
    params = dict(parse_qsl(view.query))
    shown = {name: app.query_params[name] for name in ("annee", "du", "au")}
    assert {name: params[name] for name in shown} == {
        name: value if isinstance(value, str) else value[0] for name, value in shown.items()
    }
    [(label, _page, query)] = _links(app)
    assert label == "Mon trimestre"
    assert sorted(parse_qsl(query)) == sorted(parse_qsl(view.query))
    assert saved_views.views_of(world_app, "dir") == []
    other = _open("dir")
    assert _links(other) == []


def test_a_name_too_long_is_refused_in_french(world_app: sa.Engine) -> None:  # noqa: F811
    app = _open("lyon")
    app.text_input(key=VIEW_NAME_KEY).input("x" * (NAME_MAX + 1))
    next(b for b in app.sidebar.button if b.label == "Enregistrer cette vue").click().run()
    assert [plain(e.value) for e in app.sidebar.error] == [
        f"Le nom d'une vue tient en {NAME_MAX} caractères au plus."
    ]
    assert saved_views.views_of(world_app, "lyon") == []


def test_open_access_has_no_saved_views(app_database) -> None:  # noqa: ANN001
    from two_sites import two_sites

    app_database(two_sites())
    app = _open(None)
    assert not [e for e in app.sidebar.expander if e.label == "Vues enregistrées"]
    assert any("Vues enregistrées" in c.value for c in app.sidebar.caption)


def test_deleting_a_view_from_the_sidebar(world_app: sa.Engine) -> None:  # noqa: F811
    saved_views.save(world_app, "lyon", "À supprimer", QUERY)
    app = _open("lyon")
    assert [label for label, _, _ in _links(app)] == ["À supprimer"]
    next(b for b in app.sidebar.button if b.key and b.key.startswith("delete_view_")).click()
    app.run()
    assert saved_views.views_of(world_app, "lyon") == []
    assert _links(app) == []


def test_renaming_keeps_the_view_and_refuses_a_name_taken(engine: sa.Engine) -> None:
    first = saved_views.save(engine, "lyon", "T1", QUERY, now=NOON)
    saved_views.save(engine, "lyon", "T2", "annee=2025-2026", now=NOON)
    saved_views.save(engine, "nice", "T3", "annee=2025-2026", now=NOON)
    renamed = saved_views.rename(engine, "lyon", first.id, "  Premier   trimestre ")
    assert (renamed.id, renamed.name, renamed.query) == (first.id, "Premier trimestre", QUERY)
    with pytest.raises(ViewRefused, match="s'appelle déjà « T2 »"):
        saved_views.rename(engine, "lyon", first.id, "T2")
    assert saved_views.rename(engine, "nice", first.id, "Volé") is None  # another's view
    assert saved_views.rename(engine, "lyon", first.id, "T3").name == "T3"  # nice's name: free
    assert [v.name for v in saved_views.views_of(engine, "lyon")] == ["T2", "T3"]
    assert [v.name for v in saved_views.views_of(engine, "nice")] == ["T3"]


def _trail(engine: sa.Engine) -> list[tuple[str, str, str]]:
    found = audit.entries(engine).reverse()
    return [
        (row["login"], row["event"], row["detail"])
        for row in found.iter_rows(named=True)
        if row["detail"].startswith("vue")
    ]


def test_saving_renaming_deleting_a_view_is_in_the_audit_trail(world_app: sa.Engine) -> None:  # noqa: F811
    app = _open("lyon")
    app.text_input(key=VIEW_NAME_KEY).input("Mon trimestre")
    next(b for b in app.sidebar.button if b.label == "Enregistrer cette vue").click().run()
    [view] = saved_views.views_of(world_app, "lyon")
    app.selectbox(key="rename_view_choice").set_value(view.id)
    app.text_input(key="rename_view_name").input("Octobre")
    next(b for b in app.sidebar.button if b.label == "Renommer la vue").click().run()
    assert not app.exception and not app.error
    assert any("Octobre" in s.value for s in app.sidebar.success)
    assert [v.name for v in saved_views.views_of(world_app, "lyon")] == ["Octobre"]
    app.selectbox(key="rename_view_choice").set_value(view.id)
    app.text_input(key="rename_view_name").input("")
    next(b for b in app.sidebar.button if b.label == "Renommer la vue").click().run()
    assert [plain(e.value) for e in app.sidebar.error] == ["Donnez un nom à la vue."]
    next(b for b in app.sidebar.button if b.key == f"delete_view_{view.id}").click().run()
    assert saved_views.views_of(world_app, "lyon") == []
    assert _trail(world_app) == [
        ("lyon", AUDIT_ACCOUNT, f"vue enregistrée n° {view.id} « Mon trimestre »"),
        ("lyon", AUDIT_ACCOUNT, f"vue renommée n° {view.id} « Mon trimestre » → « Octobre »"),
        ("lyon", AUDIT_ACCOUNT, f"vue supprimée n° {view.id} « Octobre »"),
    ]
