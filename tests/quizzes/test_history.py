"""Quiz results are QMS records: a remark leaves history rows with who, when, old → new."""

from decimal import Decimal

from django.urls import reverse

from lms.core.models import Role
from lms.quizzes import services
from lms.quizzes.models import Remark, Sitting
from tests.factories.quizzes import make_quiz


def test_a_remark_records_the_user_and_the_old_and_new_score(client, learner, trainer, make_user):
    quiz = make_quiz(1)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    services.sitting_submit(sitting=sitting)
    response = sitting.responses.get()
    client.force_login(trainer)
    url = reverse("quizzes:response_remark", args=[response.pk])
    assert client.post(url, {"score": "1", "reason": "Khiếu nại hợp lệ"}).status_code == 302
    last = Sitting.history.filter(id=sitting.pk).first()
    delta = last.diff_against(last.prev_record)
    changes = {c.field: (c.old, c.new) for c in delta.changes}
    assert last.history_user == trainer
    assert changes["score"] == (Decimal("0"), Decimal("1"))
    remark = Remark.objects.get()
    assert [(h.history_type, h.history_user) for h in remark.history.all()] == [("+", trainer)]
    history_url = reverse("admin:quizzes_sitting_history", args=[sitting.pk])
    assert client.get(history_url).status_code == 302  # a trainer is sent to the admin login
    admin = make_user(role=Role.ADMIN, username="t_admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(history_url).status_code == 200
