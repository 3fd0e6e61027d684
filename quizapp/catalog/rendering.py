"""Authored text is untrusted: Markdown is rendered, then sanitized with an allow-list (nh3), so nothing a
question says can run script, load a remote resource or break the page."""

import functools
import html
import re
from collections import Counter
from html.parser import HTMLParser

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "del", "sup", "sub", "code", "pre", "kbd", "blockquote",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "h3", "h4", "h5", "h6", "a", "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "code": {"class"}}
# Markdown's own table alignment; dropping it is not worth a warning.
_ALIGNMENT = re.compile(r"^text-align: (left|right|center);$")
_SPACES = re.compile(r"\s+")


def _markdown(text: str) -> str:
    return markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"])


def _sanitize(html_text: str) -> str:
    return nh3.clean(
        html_text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    return mark_safe(_sanitize(_markdown(text)))


@functools.lru_cache(maxsize=4096)
def plain_text(text: str, limit: int = 80) -> str:
    """Authored Markdown as one line of plain text, for lists and tables: rendered and sanitized exactly as
    learners get it (so a <script> or an image leaves nothing behind), then stripped of its tags, entities
    decoded, whitespace collapsed, cut to `limit` characters. Escape it like any text when showing it."""
    shown = html.unescape(strip_tags(render_markdown(text)))
    return Truncator(_SPACES.sub(" ", shown).strip()).chars(limit)


class _Inventory(HTMLParser):
    """The elements of an HTML fragment, and the attributes of those sanitizing keeps."""

    def __init__(self, html_text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes = Counter(), Counter()
        self.feed(html_text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        if tag in ALLOWED_TAGS:
            for name, value in attrs:
                self.attributes[(tag, name, value or "")] += 1

    handle_startendtag = handle_starttag


def removed_by_sanitizing(text: str) -> list[str]:
    """What sanitizing leaves out when `text` is shown, as short labels in the order first met: an element
    it drops ("<script>", "<img>"), or an attribute of an element it keeps (`href="javascript:…"`, `onclick`).
    Empty when learners see everything the Markdown says."""
    raw = _markdown(text)
    before, after = _Inventory(raw), _Inventory(_sanitize(raw))
    labels = [f"<{tag}>" for tag in (before.tags - after.tags)]
    for tag, name, value in before.attributes - after.attributes:
        if name == "style" and tag in ("th", "td") and _ALIGNMENT.match(value):
            continue
        labels.append(f'{name}="{Truncator(value).chars(40)}"' if name in ("href", "src") else name)
    return list(dict.fromkeys(labels))
