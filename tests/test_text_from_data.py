"""Text from data is shown as text: a learner, a site or a discipline named with Markdown (a
phishing link, a remote image) is imported through the page, then rendered literally on the
import page and the overview — never as a link or an image."""

from __future__ import annotations

import re
from datetime import date, timedelta

from apptest import open_page

from ui.text import escape

LINK = "[Réactivez votre compte ENT ici](https://phishing.example/ent)"
IMAGE = "![pixel](https://tracker.example/p.png)"
LINK_AND_IMAGE = re.compile(
    r"(?<!\\)\]\(|(?<!\\)!(?<!\\)\[|<img|<a "  # Markdown links and images, HTML
    r"|https?\\?:(\\?/){2}|www\\?\.|[\w.+-]\\?@"  # bare addresses Streamlit makes links of
)
JOINER = "\u2060"


def test_escape_leaves_only_literal_text() -> None:
    assert escape(LINK) == (
        r"\[Réactivez votre compte ENT ici\]\(https\:" + JOINER + r"\/\/phishing\.example\/ent\)"
    )
    assert escape(IMAGE) == r"\!\[pixel\]\(https\:" + JOINER + r"\/\/tracker\.example\/p\.png\)"
    assert escape("www.ent.example, ent@phishing.example") == (
        "www" + JOINER + r"\.ent\.example\, ent" + JOINER + r"\@phishing\.example"
    )
    assert not LINK_AND_IMAGE.search(escape(LINK + IMAGE + " www.x.fr a@b.fr"))
    assert escape("**gras** _x_ `code` # titre\n- liste | $x$ :red[rouge] <b>") == (
        r"\*\*gras\*\* \_x\_ \`code\` \# titre \- liste \| \$x\$ \:red\[rouge\] \<b\>"
    )
    assert escape("Lycée Jean Moulin · 1 401 126") == "Lycée Jean Moulin · 1 401 126"
    assert escape(None) == ""


def _markdown_bodies(app) -> list[str]:  # noqa: ANN001
    """Every text the page hands to Streamlit's Markdown renderer."""
    bodies = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success", "title")
        for e in getattr(app, kind)
    ]
    bodies += [h.value for h in app.header] + [h.value for h in app.subheader]
    bodies += [m.label for m in app.metric] + [s.label for s in app.selectbox]
    bodies += [o for r in app.radio for o in r.options] + [r.label for r in app.radio]
    return bodies


def _copies_csv() -> bytes:
    """Nine weeks of copies: 5 a week, then 40 in the last week (a surge), for a discipline
    and a site named with Markdown, by learners named with Markdown."""
    lines = ["Identifiant;Nom;Prénom;Classe;Site;Discipline;Devoir;Déposé le"]
    start = date(2025, 9, 1)
    number = 0
    for week in range(9):
        for copy in range(40 if week == 8 else 5):
            number += 1
            day = start + timedelta(weeks=week, days=copy % 5)
            lines.append(
                f"A{copy % 10};{LINK};{IMAGE};2nde A;{IMAGE};{LINK};Devoir {number};{day:%d/%m/%Y}"
            )
    return "\n".join(lines).encode()


def test_markdown_in_imported_names_is_shown_literally(
    tmp_path,
    monkeypatch,  # noqa: ANN001
) -> None:
    import streamlit as st

    monkeypatch.setenv("PILOTAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'texte.db'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    app = open_page("pages/import_data.py")
    header = f"Identifiant;{LINK}\nA1;x\n".encode()  # a column header written in Markdown
    app.file_uploader(key="import_file").upload(f"{IMAGE}.csv", header).run()
    assert not app.exception
    assert escape(LINK) in [s.label for s in app.selectbox]  # the mapping of that column
    app.file_uploader(key="import_file").upload("copies.csv", _copies_csv()).run()
    next(b for b in app.button if b.label == "Importer").click().run()
    assert not app.exception
    assert any("Import réussi" in s.value for s in app.success)
    for body in _markdown_bodies(app):
        assert not LINK_AND_IMAGE.search(body), body

    app.switch_page("pages/overview.py").run()
    assert not app.exception and not app.error
    surge = [m.value for m in [*app.warning, *app.info] if "copies" in m.value]
    assert surge and f"{escape(LINK)} à {escape(IMAGE)}" in surge[0]
    for body in _markdown_bodies(app):
        assert not LINK_AND_IMAGE.search(body), body
    st.cache_data.clear()
    st.cache_resource.clear()
