"""MkDocs hook: the docstrings' Sphinx roles (:class:`~lianfang.desk.Desk`) as plain code.

The library's docstrings are written for both Python's help() and Sphinx-style tools;
mkdocstrings renders them as Markdown, where a role would show as ":class:Desk". This
keeps the code span and drops the role, the ``~`` prefix's module path and any
explicit target (``Desk.history <lianfang.desk.Desk.history>`` shows ``Desk.history``).
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(
    r":(?:class|func|meth|attr|data|mod|exc|obj|const):<code>(?P<tilde>~?)(?P<text>[^<]*?)"
    r"(?:\s*&lt;[^<]*?&gt;)?</code>"
)


def _plain(match: re.Match[str]) -> str:
    text = match["text"]
    if match["tilde"]:
        text = text.rsplit(".", 1)[-1]
    return f"<code>{text}</code>"


def on_page_content(html: str, **_: Any) -> str:
    return _ROLE.sub(_plain, html)
