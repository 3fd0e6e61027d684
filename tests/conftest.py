from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import UserFactory

FIXTURE_BANK = Path(__file__).parent / "catalog" / "bank"


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts as a new worker process would: no bank read yet (quizzes.services caches it per
    process, keyed by a fingerprint that rolled-back tests reusing ids could repeat), no cached fragments."""
    from django.core.cache import cache

    from quizapp.catalog import outline
    from quizapp.quizzes import services

    services._bank_state = None
    outline._outline = None
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _recalibrate_in_the_request(settings):
    """The test database is not reachable from another process: a due recalibration runs in the request."""
    settings.CALIBRATE_IN_BACKGROUND = False


@pytest.fixture
def learner(db):
    return UserFactory(username="lin")


@pytest.fixture
def other_learner(db):
    return UserFactory(username="zhao")


@pytest.fixture
def teacher(db):
    from quizapp.accounts.roles import teacher_role_grant

    user = UserFactory(username="teacher-wang")
    teacher_role_grant(user)
    return user


@pytest.fixture
def starter_bank(db):
    """The small test bank in tests/catalog/bank: two top-level sections, every question type."""
    call_command("load_content", str(FIXTURE_BANK), stdout=open("/dev/null", "w"))


@pytest.fixture
def full_bank(db):
    """The real question banks in content/."""
    call_command("load_content", stdout=open("/dev/null", "w"))

