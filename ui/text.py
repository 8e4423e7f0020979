"""Text that comes from data, shown as text.

Streamlit reads Markdown in st.markdown, st.caption, st.info/success/warning/error, titles and
headers, metric labels, widget labels (and radio options), expander and tab labels, help
tooltips: a learner named "[Réactivez votre compte](https://...)" would become a link there,
a site named "![](https://...)" an image the browser fetches. Every text that comes from data
(names of learners, sites, groups, disciplines, files, sheets, column headers, cell values,
and the messages that quote them) goes through ``escape`` before it reaches one of those.

Tables (st.dataframe) and chart titles and labels (Vega) draw text as text: they take the data
as it is.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
_BARE_LINKS = re.compile(r"(?i)(?<=https:)(?=//)|(?<=http:)(?=//)|(?<=\bwww)(?=\.)|(?=@)")
"""Where Streamlit's Markdown would turn bare text into a link (https://..., www.x, a@b.c),
even escaped: an invisible word joiner (U+2060) goes there."""
_WORD_JOINER = "\u2060"


def escape(value: object) -> str:
    """The text with every ASCII punctuation mark backslash-escaped (CommonMark shows it as
    the mark itself: no link, image, emphasis, heading, list, table, HTML, math or colour
    directive can start), its line breaks as spaces (no new block), and an invisible word
    joiner (U+2060) where a bare address would be made a link: after "https:", after "www",
    before "@"."""
    if value is None:
        return ""
    text = _BARE_LINKS.sub(_WORD_JOINER, _LINE_BREAKS.sub(" ", str(value)))
    return _PUNCTUATION.sub(r"\\\1", text)
