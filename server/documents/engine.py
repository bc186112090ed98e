"""WeasyPrint, set up for the campaign's documents: a leaner user-agent stylesheet and one font setup per job.

WeasyPrint's user-agent stylesheet (HTML5's defaults) ends with rules for pseudo-elements that every element
may carry — `::marker`, `::footnote-call`, `::footnote-marker`, `::note-call`, `::note-marker`,
`::note-callback` — so it computes a style for each of them on every element of the document. Our templates
have no lists, footnotes or notes, and in a 3,300-row signature list those styles were 15 % of the rendering
time. `LeanHTML` uses the same stylesheet without those rules: every element the templates use is styled
exactly as before. `_ua_stylesheets` is WeasyPrint's own hook (not a public API): if a later version drops
it, the override is simply not called and the documents render with the full stylesheet, only slower.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import weasyprint
from weasyprint import CSS, HTML

_PSEUDO_ONLY_RULE = re.compile(r"^::[a-z-]+ \{[^}]*\}\n", re.M)


@cache
def lean_ua_stylesheet() -> CSS | None:
    """HTML5's user-agent stylesheet as WeasyPrint ships it, less its element-less pseudo-element rules."""
    path = Path(weasyprint.__file__).parent / "css" / "html5_ua.css"
    if not path.exists():
        return None
    from weasyprint.html import UA_COUNTER_STYLE
    text = _PSEUDO_ONLY_RULE.sub("", path.read_text(encoding="utf-8"))
    return CSS(string=text, counter_style=UA_COUNTER_STYLE)


class LeanHTML(HTML):
    """An HTML document styled with `lean_ua_stylesheet()` (the full one for forms, or if it is missing)."""

    def _ua_stylesheets(self, forms=False):
        lean = lean_ua_stylesheet()
        if forms or lean is None:
            return super()._ua_stylesheets(forms)
        return [lean]


def font_configuration():
    """One font setup to share between the documents of one job (fontconfig is read once, not per document)."""
    from weasyprint.text.fonts import FontConfiguration
    return FontConfiguration()
