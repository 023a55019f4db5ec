import factory

from lms.core.models import Role, RoleAssignment

from .users import UserFactory


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    """Goes through the role_assign service so group membership follows the role."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.LEARNER
    agency = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from lms.core.services import role_assign

        return role_assign(**kwargs)
