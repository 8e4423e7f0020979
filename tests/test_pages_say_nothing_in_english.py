"""Streamlit's "magic" writes on the page any bare string of a page's module (but its first
docstring): a page keeps its notes to developers in comments."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAGES = sorted((Path(__file__).resolve().parent.parent / "pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_has_no_bare_string_but_its_docstring(page: Path) -> None:
    body = ast.parse(page.read_text(encoding="utf-8")).body
    bare = [
        node.lineno
        for node in body[1:]
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    ]
    assert bare == [], f"{page.name}: strings shown on the page at lines {bare}"
