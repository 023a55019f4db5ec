import factory

from lms.core.models import Role, RoleAssignment

from .users import UserFactory


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.LEARNER
    agency = None
