"""Authored text is untrusted: Markdown is rendered, then sanitized with an allow-list (nh3), so nothing a
question says can run script, load a remote resource or break the page."""

import functools

import markdown
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "del", "sup", "sub", "code", "pre", "kbd", "blockquote",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "h3", "h4", "h5", "h6", "a", "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "code": {"class"}}


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)
