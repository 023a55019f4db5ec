import datetime

import factory

from lms.agencies.models import Agency, AgencyKind, Assignment, Official, PositionKind, Succession


class AgencyFactory(factory.django.DjangoModelFactory):
    """Builds tree nodes through treebeard; pass ``parent=`` for a child, none for a root."""

    class Meta:
        model = Agency

    kind = AgencyKind.PROVINCE
    code = factory.Sequence(lambda n: f"{n + 100:05d}")
    name = factory.Sequence(lambda n: f"Đơn vị {n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        node = model_class(**kwargs)
        if parent is None:
            return model_class.add_root(instance=node)
        parent.refresh_from_db()
        return parent.add_child(instance=node)


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    full_name = factory.Faker("name", locale="vi_VN")
    email = factory.Sequence(lambda n: f"official{n}@example.org")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    official = factory.SubFactory(OfficialFactory)
    agency = factory.SubFactory(AgencyFactory)
    position_kind = PositionKind.SPECIALIST
    position_title = "Chuyên viên"
    start_date = datetime.date(2024, 1, 1)


class SuccessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Succession

    predecessor = factory.SubFactory(AgencyFactory)
    successor = factory.SubFactory(AgencyFactory)
    date = datetime.date(2025, 7, 1)
