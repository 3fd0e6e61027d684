"""Class assignments due for a learner: the hook the Today page (quizapp.pages.home) shows.

Classes have no assignments yet (issue 20). Until they do, a learner has none due, and the Today page shows
no such list; when issue 20 adds them, this is the one function to fill in (it must stay a fixed number of
queries: the home page's query budget is tested in tests/test_today.py).
"""


def assignments_due(learner, now=None) -> list:
    """The learner's class assignments not yet done, soonest due first. None exist yet (issue 20)."""
    return []
