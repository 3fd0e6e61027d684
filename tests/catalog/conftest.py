import pytest


@pytest.fixture
def teacher_client(client, teacher):
    client.force_login(teacher)
    return client
