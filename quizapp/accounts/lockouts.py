"""Log-in lock-outs (django-axes): per learner and address, and per address with a far higher limit.

A classroom shares one address, so failures count per username and address together: one learner
mistyping never locks out the others. That alone let one address try a few passwords on every username
(password spraying) without ever being slowed. The address as a whole therefore has its own limit,
AXES_ADDRESS_FAILURE_LIMIT, well above what a class's honest mistakes add up to within the cool-off (a
success clears that learner's own failures, so only unresolved ones count).

Axes compares one count with one limit, over every lock-out parameter; this handler reports the
username-and-address count, or the limit itself once the address has reached its own limit."""

from django.conf import settings
from django.db.models import Sum

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AddressLimitHandler(AxesDatabaseHandler):
    """AXES_LOCKOUT_PARAMETERS must be [["username", "ip_address"], "ip_address"], in that order."""

    def get_failures(self, request, credentials=None) -> int:
        pair, address = (_failures(attempts) for attempts in self.get_user_attempts(request, credentials))
        if address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            if request is not None:
                request.axes_address_locked = True  # the lock-out page says the address is paused, not the account
            return max(pair, get_failure_limit(request, credentials))
        return pair

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A success clears that username's failures from that address only: with the address-wide rows
        # too, one account of an attacker's own would wipe the count of everything sprayed from there.
        deleted, _ = self.filter_user_attempts(request, credentials)[0].delete()
        return deleted
