import pytest


@pytest.fixture
def official(learner):
    return learner.official
