"""Formatting only: what a page shows comes from its view (a learner's record in a section:
progress.dashboard.section_record_context). Tag libraries import no models (pyproject.toml's contracts)."""

from django import template

register = template.Library()


@register.simple_tag
def chart(chart, title_id, css):
    """`{% chart chart "title-id" "css classes" %}`: a chart as SVG (see progress.charts)."""
    return chart.svg(title_id, css)
