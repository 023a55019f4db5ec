import pytest

from lms.agencies.selectors import official_for_user
from lms.core.models import Role


@pytest.fixture
def official(learner):
    return official_for_user(learner)


@pytest.fixture
def trainer(make_user, tree):
    return make_user(role=Role.TRAINER, agency=tree["province_a"], username="t_trainer")


@pytest.fixture
def outside_trainer(make_user, tree):
    return make_user(role=Role.TRAINER, agency=tree["province_b"], username="t_trainer_b")


@pytest.fixture
def editor(make_user, tree):
    return make_user(role=Role.EDITOR, username="t_editor", official_agency=tree["province_a"])
