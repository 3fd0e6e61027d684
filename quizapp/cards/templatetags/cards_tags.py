from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from quizapp.cards.scheduling import interval_parts

register = template.Library()


@register.filter
def interval(delta):
    """An interval as Anki shows it on answer buttons: <10m, 4d, 1.2mo, 2y."""
    unit, amount = interval_parts(delta)
    n = number_format(amount, decimal_pos=1 if amount != int(amount) else 0)
    return {
        "minutes": _("<%(n)sm"),
        "hours": _("%(n)sh"),
        "days": _("%(n)sd"),
        "months": _("%(n)smo"),
        "years": _("%(n)sy"),
    }[unit] % {"n": n}
