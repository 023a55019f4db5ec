"""Grant a role from the shell, under the same rules as the People and roles page."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from lms.core.models import Role
from lms.core.services import role_grant

# The service's field names, as the operator typed them.
ARGUMENTS = {
    "user": "USER",
    "role": "ROLE",
    "agency": "--scope",
    "valid_until": "--until",
    "page": "--page",
    "collection": "--collection",
    "reason": "--reason",
}


class Command(BaseCommand):
    help = (
        "Grant USER (username or staff code) the ROLE over the agency --scope CODE (none: "
        "platform-wide). Without --by the platform itself grants, and the history says so."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", metavar="USER")
        parser.add_argument("role", metavar="ROLE", help=", ".join(Role.values))
        parser.add_argument("--scope", default="", help="Administrative code of the agency.")
        parser.add_argument("--until", default="", help="Last day of the grant, dd/mm/yyyy.")
        parser.add_argument(
            "--page", default="", help="Content editors: id of the page subtree they edit."
        )
        parser.add_argument(
            "--collection", default="", help="Content editors: name of their image collection."
        )
        parser.add_argument("--reason", default="", help="Why the role is granted (required).")
        parser.add_argument("--by", default="", help="Username of the granting administrator.")

    def handle(self, *args, user, role, scope, until, reason, by, page, collection, **options):
        grantee = self._user(user, "USER")
        granter = self._user(by, "--by") if by else None
        if role not in Role.values:
            raise CommandError(f"ROLE: unknown role {role!r}; one of {', '.join(Role.values)}.")
        agency = self._agency(scope) if scope else None
        valid_until = None
        if until:
            try:
                valid_until = datetime.datetime.strptime(until, "%d/%m/%Y").date()
            except ValueError:
                raise CommandError(f"--until: {until!r} is not a date dd/mm/yyyy.") from None
        page = self._page(page) if page else None
        collection = self._collection(collection) if collection else None
        try:
            grant = role_grant(
                user=grantee,
                role=role,
                agency=agency,
                reason=reason,
                valid_until=valid_until,
                granted_by=granter,
                page=page,
                collection=collection,
            )
        except ValidationError as exc:
            raise CommandError(
                " ".join(
                    f"{ARGUMENTS.get(field, field)}: {' '.join(messages)}"
                    for field, messages in exc.message_dict.items()
                )
            ) from None
        by_whom = granter.username if granter else "the platform (no --by)"
        self.stdout.write(self.style.SUCCESS(f"Granted: {grant} — by {by_whom}."))

    def _user(self, key: str, argument: str):
        from lms.users.models import User

        found = list(
            User.objects.filter(Q(username=key) | Q(official__staff_code=key)).distinct()[:2]
        )
        if len(found) != 1:
            problem = "no login has" if not found else "more than one login has"
            raise CommandError(f"{argument}: {problem} the username or staff code {key!r}.")
        return found[0]

    def _agency(self, code: str):
        from lms.agencies.models import Agency

        agency = Agency.objects.filter(code=code, valid_to__isnull=True).first()
        if agency is None:
            raise CommandError(f"--scope: no current agency has the code {code!r}.")
        return agency

    def _page(self, key: str):
        from wagtail.models import Page

        page = Page.objects.filter(pk=int(key)).first() if key.isdigit() else None
        if page is None:
            raise CommandError(f"--page: no page has the id {key!r}.")
        return page

    def _collection(self, name: str):
        from wagtail.models import Collection

        found = list(Collection.objects.filter(name=name)[:2])
        if len(found) != 1:
            problem = "no collection is" if not found else "more than one collection is"
            raise CommandError(f"--collection: {problem} named {name!r}.")
        return found[0]
