from django import template
from django.utils.html import format_html

from quizapp.catalog.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return render_markdown(text)


@register.filter
def zh(value):
    """Study content (a section's title...) inside the UI, marked as Simplified Chinese: in the English
    interface screen readers then read it with a Chinese voice (WCAG 3.1.2)."""
    return format_html('<span lang="zh-Hans">{}</span>', value)
