"""Writes over the agency tree and the officials in it."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.core.text import fold

from .models import (
    Agency,
    AgencyChangeRequest,
    Assignment,
    ChangeRequestStatus,
    ImportJob,
    Official,
    PositionKind,
    Succession,
)
from .roster import RosterRow, read_roster
from .units import REFORM_DATE, Unit, data_source, official_units

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Tree building in bulk


def _next_step(parent: Agency | None) -> int:
    """The step number after the parent's last child (or after the last root)."""
    if parent is None:
        last = Agency.objects.filter(depth=1).aggregate(m=Max("path"))["m"]
    else:
        last = Agency.objects.filter(
            path__startswith=parent.path, depth=parent.depth + 1
        ).aggregate(m=Max("path"))["m"]
    return Agency._str2int(last[-Agency.steplen :]) + 1 if last else 1


def agencies_bulk_add(*, parent: Agency | None, nodes: Sequence[Agency]) -> list[Agency]:
    """Append ``nodes`` as children of ``parent`` (roots if None) in one INSERT.

    Builds materialised paths directly: treebeard's add_child costs queries per node, which
    makes 3,321 communes slow; the paths produced are the same as treebeard's.
    """
    if not nodes:
        return []
    step = _next_step(parent)
    depth = 1 if parent is None else parent.depth + 1
    base = None if parent is None else parent.path
    for offset, node in enumerate(nodes):
        node.depth = depth
        node.numchild = 0
        node.path = Agency._get_path(base, depth, step + offset)
        node.refold()
        if len(node.path) > depth * Agency.steplen:
            raise ValueError("Agency tree path overflow")
    created = Agency.objects.bulk_create(nodes)
    if parent is not None:
        parent.numchild = Agency.objects.filter(path__startswith=parent.path, depth=depth).count()
        Agency.objects.filter(pk=parent.pk).update(numchild=parent.numchild)
    return created


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    provinces: int = 0
    communes: int = 0


@transaction.atomic
def units_load(*, units: Iterable[Unit] | None = None, source: str | None = None) -> LoadCounts:
    """Load or refresh the official provinces and communes; idempotent (matched by code)."""
    units = list(official_units() if units is None else units)
    source = source or data_source()
    counts = LoadCounts()
    current = {
        a.code: a
        for a in Agency.objects.filter(valid_to__isnull=True)
        .exclude(code="")
        .only("id", "path", "depth", "numchild", "code", "name", "kind", "source", "valid_from")
    }
    to_update: list[Agency] = []

    def refresh(node: Agency, unit: Unit) -> None:
        changed = False
        for attr, value in (("name", unit.name), ("kind", unit.kind), ("source", source)):
            if getattr(node, attr) != value:
                setattr(node, attr, value)
                changed = True
        if node.valid_from is None:
            node.valid_from = REFORM_DATE
            changed = True
        if changed:
            to_update.append(node)
            counts.updated += 1
        else:
            counts.unchanged += 1

    new_provinces = []
    for unit in units:
        counts.provinces += 1
        counts.communes += len(unit.children)
        if unit.code in current:
            refresh(current[unit.code], unit)
        else:
            new_provinces.append(
                Agency(
                    code=unit.code,
                    name=unit.name,
                    kind=unit.kind,
                    valid_from=REFORM_DATE,
                    source=source,
                )
            )
    agencies_bulk_add(parent=None, nodes=new_provinces)
    counts.created += len(new_provinces)
    for node in new_provinces:
        current[node.code] = node

    for unit in units:
        province = current[unit.code]
        fresh = []
        for child in unit.children:
            if child.code in current:
                refresh(current[child.code], child)
            else:
                fresh.append(
                    Agency(
                        code=child.code,
                        name=child.name,
                        kind=child.kind,
                        valid_from=REFORM_DATE,
                        source=source,
                    )
                )
        agencies_bulk_add(parent=province, nodes=fresh)
        counts.created += len(fresh)
    if to_update:
        for agency in to_update:
            agency.refold()
        Agency.objects.bulk_update(
            to_update, ["name", "name_folded", "kind", "source", "valid_from"], batch_size=500
        )
    return counts


# --------------------------------------------------------------------------------------------
# Roster import


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = _("row %(row)s") % {"row": self.row}
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    assignments_created: int = 0
    assignments_closed: int = 0
    accounts_created: int = 0
    activation_mails: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _position_kinds() -> dict[str, str]:
    """Accepted spellings (value, English and Vietnamese labels) -> PositionKind value."""
    vietnamese = {
        PositionKind.LEADER: ("lãnh đạo", "lanh dao", "thủ trưởng"),
        PositionKind.ISO_SECRETARY: ("thư ký iso", "thu ky iso", "thư ký"),
        PositionKind.ONE_STOP_OFFICER: (
            "cán bộ một cửa",
            "một cửa",
            "cong chuc mot cua",
            "công chức một cửa",
        ),
        PositionKind.SPECIALIST: ("chuyên viên", "chuyen vien", "công chức", "cán bộ"),
        PositionKind.INTERNAL_AUDITOR: (
            "chuyên gia đánh giá nội bộ",
            "đánh giá viên nội bộ",
            "đánh giá nội bộ",
        ),
        PositionKind.OTHER: ("khác",),
    }
    found = {}
    for kind in PositionKind:
        for spelling in (kind.value, kind.label, str(kind.label), *vietnamese[kind]):
            found[fold(spelling)] = kind.value
    return found


def _parse_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def pad_code(text: str) -> str:
    """Spreadsheets drop leading zeros: 1 -> "01", 7210 -> "07210"; 3-digit district codes stay."""
    text = text.strip()
    if not text.isdigit():
        return text
    if len(text) <= 2:
        return text.zfill(2)
    if len(text) == 3:
        return text
    return text.zfill(5)


class _AgencyResolver:
    """Turns "CODE" or "CODE / Name / Name" into an Agency valid on a day; memoised."""

    def __init__(self):
        self._cache: dict[tuple[str, datetime.date], Agency | str] = {}

    def __call__(self, spec: str, day: datetime.date) -> Agency | str:
        key = (spec, day)
        if key not in self._cache:
            self._cache[key] = self._resolve(spec, day)
        return self._cache[key]

    def _resolve(self, spec: str, day: datetime.date) -> Agency | str:
        parts = [p.strip() for p in spec.split("/") if p.strip()]
        if not parts:
            return _("agency is missing")
        code = pad_code(parts[0])
        # Prefer the unit still in force, then the most recently closed (same order on every DB).
        candidates = sorted(
            (a for a in Agency.objects.filter(code=code) if a.is_valid_on(day)),
            key=lambda a: (a.valid_to is not None, -(a.valid_to or day).toordinal(), a.path),
        )
        if not candidates:
            return _("unknown agency code %(code)s (no unit with this code on %(day)s)") % {
                "code": code,
                "day": day.strftime("%d/%m/%Y"),
            }
        node = candidates[0]
        for name in parts[1:]:
            wanted = fold(name)
            children = [c for c in node.get_children() if fold(c.name) == wanted]
            if len(children) != 1:
                return _("no single agency named %(name)s under %(parent)s") % {
                    "name": name,
                    "parent": node.name,
                }
            node = children[0]
        return node


def _in_paths(agency: Agency, paths: Sequence[str] | None) -> bool:
    return paths is None or any(agency.path.startswith(p) for p in paths)


def _official_in_scope(posts: Sequence[Assignment], paths: Sequence[str], today) -> bool:
    """An importer may update an official whose current post, or else whose last post, they manage.

    Ended posts in scope do not count while the official works elsewhere now: otherwise an
    importer could rename and move an official who left for another province. An official with
    no post at all is nobody's to update.
    """
    current = [a for a in posts if a.end_date is None or a.end_date >= today]
    if current:
        return any(_in_paths(a.agency, paths) for a in current)
    if not posts:
        return False
    last = max(posts, key=lambda a: (a.end_date, a.start_date, a.pk))
    return _in_paths(last.agency, paths)


@dataclass
class _Plan:
    row: RosterRow
    agency: Agency
    position_kind: str
    start_date: datetime.date
    email: str


def officials_import(
    *,
    rows: Sequence[RosterRow],
    within_agency: Agency | None = None,
    within_paths: Sequence[str] | None = None,
    by_user=None,
    today: datetime.date | None = None,
    create_accounts: bool = False,
    progress: Callable[[ImportResult, int], None] | None = None,
) -> ImportResult:
    """Validate every row, then (only if all are good) create or update officials by staff code.

    ``progress(result, rows_saved)`` is called every PROGRESS_EVERY rows saved and after each
    batch of accounts (the background import shows it while its transaction is still open).

    ``within_agency`` (or ``within_paths``, path prefixes) limits the agencies rows may name;
    rows outside are errors. Re-importing the same rows changes nothing. ``create_accounts``
    gives a login (and an activation email) to each imported official with an email and none.
    """
    today = today or datetime.date.today()
    paths: list[str] | None = None
    if within_agency is not None:
        paths = [within_agency.path]
    if within_paths is not None:
        paths = (paths or []) + list(within_paths)
    result = ImportResult()
    kinds = _position_kinds()
    resolve = _AgencyResolver()
    seen_codes: dict[str, int] = {}
    plans: list[_Plan] = []
    if not rows:
        result.errors.append(RowError(1, "", _("the file has no data rows")))
        return result

    for row in rows:
        errors_before = len(result.errors)

        def error(field_name: str, message: str, number: int = row.number) -> None:
            result.errors.append(RowError(number, field_name, message))

        if not row.full_name:
            error("full_name", _("full name is missing"))
        if len(row.full_name) > 200:
            error("full_name", _("full name is longer than 200 characters"))
        email = row.email.strip().lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                error("email", _("%(value)s is not a valid email address") % {"value": row.email})
        if len(row.phone) > 30:
            error("phone", _("phone is longer than 30 characters"))
        if row.staff_code:
            if len(row.staff_code) > 50:
                error("staff_code", _("staff code is longer than 50 characters"))
            if row.staff_code in seen_codes:
                error(
                    "staff_code",
                    _("staff code %(code)s is repeated (first on row %(row)s)")
                    % {"code": row.staff_code, "row": seen_codes[row.staff_code]},
                )
            else:
                seen_codes[row.staff_code] = row.number
        position_kind = PositionKind.SPECIALIST.value
        if row.position_kind:
            position_kind = kinds.get(fold(row.position_kind), "")
            if not position_kind:
                error(
                    "position_kind",
                    _("unknown position kind %(value)s") % {"value": row.position_kind},
                )
        # Whatever the checks above let through must still fit the model (e.g. a 311-character
        # email passes validate_email but not the column).
        checked = {e.field for e in result.errors[errors_before:]}
        try:
            Official(
                full_name=row.full_name, email=email, phone=row.phone, staff_code=row.staff_code
            ).clean_fields(exclude=checked | {"user"})
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                error(field_name, " ".join(messages))
        if len(row.position_title) > 200:
            error("position_title", _("position is longer than 200 characters"))
        start_date = today
        if row.start_date not in ("", None):
            try:
                start_date = _parse_date(row.start_date)
            except ValueError:
                error(
                    "start_date",
                    _("%(value)s is not a date (dd/mm/yyyy)") % {"value": row.start_date},
                )
        agency = None
        if not row.agency:
            error("agency", _("agency is missing"))
        else:
            found = resolve(row.agency, start_date)
            if isinstance(found, str):
                error("agency", found)
            elif not _in_paths(found, paths):
                error(
                    "agency",
                    _("%(agency)s is outside the agencies you manage") % {"agency": found.name},
                )
            else:
                agency = found
        if len(result.errors) == errors_before and agency is not None:
            plans.append(_Plan(row, agency, position_kind, start_date, email))

    existing = {
        o.staff_code: o
        for o in Official.objects.filter(
            staff_code__in=[p.row.staff_code for p in plans if p.row.staff_code]
        )
    }
    all_posts: dict[int, list[Assignment]] = {}
    for a in Assignment.objects.filter(official__in=existing.values()).select_related("agency"):
        all_posts.setdefault(a.official_id, []).append(a)
    open_assignments = {
        official_id: [a for a in posts if a.end_date is None]
        for official_id, posts in all_posts.items()
    }
    if paths is not None:
        for plan in plans:
            official = existing.get(plan.row.staff_code)
            if official is not None and not _official_in_scope(
                all_posts.get(official.pk, []), paths, today
            ):
                result.errors.append(
                    RowError(
                        plan.row.number,
                        "staff_code",
                        _("staff code %(code)s belongs to an official outside your agencies")
                        % {"code": plan.row.staff_code},
                    )
                )
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result

    with transaction.atomic():
        officials = []
        for number, plan in enumerate(plans, 1):
            officials.append(_apply(plan, existing, open_assignments, result, paths))
            if progress is not None and (number % PROGRESS_EVERY == 0 or number == len(plans)):
                progress(result, number)
        if create_accounts:
            _create_accounts(
                officials,
                result,
                by_user,
                None if progress is None else (lambda: progress(result, len(plans))),
            )
    logger.info(
        "roster import by %s: %s created, %s updated, %s unchanged",
        by_user or "command line",
        result.created,
        result.updated,
        result.unchanged,
    )
    return result


def _create_accounts(officials, result: ImportResult, by_user, progress=None) -> None:
    """Logins for the imported officials with an email. (No login is deactivated here: the
    import closes a post only when it opens the successor post.)"""
    from lms.users.services import accounts_create

    def batch_done(accounts) -> None:
        result.accounts_created = accounts.created
        result.activation_mails = accounts.mailed
        if progress is not None:
            progress()

    accounts = accounts_create(
        officials=officials, by=by_user, only_with_email=True, on_batch=batch_done
    )
    result.accounts_created = accounts.created
    result.activation_mails = accounts.mailed


def _apply(plan: _Plan, existing, open_assignments, result: ImportResult, paths) -> Official:
    row = plan.row
    official = existing.get(row.staff_code) if row.staff_code else None
    if official is None and not row.staff_code:
        # Without a staff code, the same name already posted in the same agency is the same person.
        official = (
            Official.objects.filter(
                full_name=row.full_name,
                staff_code__isnull=True,
                assignments__agency=plan.agency,
                assignments__end_date__isnull=True,
            )
            .order_by("pk")
            .first()
        )
    is_new = official is None
    changed = False
    if is_new:
        official = Official(
            full_name=row.full_name,
            email=plan.email,
            phone=row.phone,
            staff_code=row.staff_code or None,
        )
        official.full_clean()
        official.save()
        posts: list[Assignment] = []
    else:
        for attr, value in (
            ("full_name", row.full_name),
            ("email", plan.email),
            ("phone", row.phone),
        ):
            if value and getattr(official, attr) != value:
                setattr(official, attr, value)
                changed = True
        if changed:
            official.save()
        posts = open_assignments.get(official.pk)
        if posts is None:
            posts = list(
                Assignment.objects.filter(official=official, end_date__isnull=True).select_related(
                    "agency"
                )
            )
    same = [a for a in posts if a.agency_id == plan.agency.pk]
    if same:
        post = same[0]
        title = row.position_title or post.position_title
        if post.position_kind != plan.position_kind or post.position_title != title:
            post.position_kind = plan.position_kind
            post.position_title = title
            post.save(update_fields=["position_kind", "position_title"])
            changed = True
    else:
        # A move: close the open posts elsewhere the day before the new one starts; posts
        # outside the importer's agencies are not theirs to close.
        result.assignments_closed += assignment_move(
            official=official,
            closing=[a for a in posts if _in_paths(a.agency, paths)],
            agency=plan.agency,
            position_kind=plan.position_kind,
            position_title=row.position_title,
            start_date=plan.start_date,
        )
        result.assignments_created += 1
        changed = True
    if is_new:
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1
    return official


def assignment_move(
    *, official, closing: Sequence[Assignment], agency, position_kind, position_title, start_date
) -> int:
    """Close ``closing`` the day before ``start_date`` and open the new post; returns how many
    posts were closed."""
    for post in closing:
        post.end_date = max(post.start_date, start_date - datetime.timedelta(days=1))
        post.save(update_fields=["end_date"])
    Assignment.objects.create(
        official=official,
        agency=agency,
        position_kind=position_kind,
        position_title=position_title,
        start_date=start_date,
    )
    return len(closing)


# --------------------------------------------------------------------------------------------
# Large imports in the background

# Above this many rows the web import runs in a worker (20,000 rows take up to 95 s).
BACKGROUND_ROWS = 2000
PROGRESS_EVERY = 500  # rows between two progress reports of a background import


def import_job_progress_key(job_id: int) -> str:
    return f"agencies:import-job:{job_id}:progress"


def import_job_progress(job_id: int) -> dict | None:
    """What a running job has done so far (kept in the cache: its rows are not committed yet)."""
    return cache.get(import_job_progress_key(job_id))


def import_job_create(
    *, filename: str, content: bytes, rows: int, within_paths, by, create_accounts: bool = False
) -> ImportJob:
    """Keep the upload and queue its import once the job is committed."""
    job = ImportJob(
        filename=filename,
        content=content,
        rows=rows,
        within_paths=None if within_paths is None else list(within_paths),
        created_by=by,
        create_accounts=create_accounts,
    )
    job.full_clean()
    job.save()
    from .tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job once (all rows or nothing); a second delivery finds it taken and stops."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.QUEUED:
            return job
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status"])

    def report(result: ImportResult, saved: int) -> None:
        cache.set(
            import_job_progress_key(job.pk),
            {
                "saved": saved,
                "rows": job.rows,
                "accounts_created": result.accounts_created,
                "activation_mails": result.activation_mails,
            },
            timeout=6 * 3600,
        )

    try:
        result = officials_import(
            rows=read_roster(bytes(job.content), job.filename),
            within_paths=job.within_paths,
            by_user=job.created_by,
            create_accounts=job.create_accounts,
            progress=report,
        )
    except Exception:
        # Not left "running" for ever: the user sees that it stopped (the import is atomic).
        message = _("the import stopped on an unexpected error; nothing was saved.")
        result = ImportResult(errors=[RowError(0, "", message)])
        _import_job_finish(job, result)
        raise
    _import_job_finish(job, result)
    return job


def _import_job_finish(job: ImportJob, result: ImportResult) -> None:
    job.result = import_result_dict(result)
    job.status = ImportJob.Status.DONE if result.ok else ImportJob.Status.FAILED
    job.content = b""  # personal data is kept no longer than needed
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "status", "content", "finished_at"])
    cache.delete(import_job_progress_key(job.pk))


def import_result_dict(result: ImportResult) -> dict:
    counts = asdict(result)
    counts["errors"] = [asdict(e) for e in result.errors]
    return counts


def import_result_from(data: dict) -> ImportResult:
    errors = [RowError(**e) for e in data.get("errors", [])]
    return ImportResult(**{**data, "errors": errors})


# --------------------------------------------------------------------------------------------
# An official's request to correct their agency and position


def agency_change_request_create(
    *, official: Official, agency: Agency, position_kind: str, position_title: str = "", note=""
) -> AgencyChangeRequest:
    """Record a pending request; an official has at most one pending at a time."""
    from .selectors import current_assignment

    if AgencyChangeRequest.objects.filter(
        official=official, status=ChangeRequestStatus.PENDING
    ).exists():
        raise ValidationError(_("You already have a request waiting for a decision."))
    current = current_assignment(official)
    request = AgencyChangeRequest(
        official=official,
        current_agency=current.agency if current else None,
        agency=agency,
        position_kind=position_kind,
        position_title=position_title,
        note=note,
    )
    request.full_clean()
    request.save()
    return request


def _decide(request: AgencyChangeRequest, *, status: str, by, reason: str) -> None:
    if request.status != ChangeRequestStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    request.status = status
    request.decided_by = by
    request.decided_at = timezone.now()
    request.reason = reason
    request.full_clean()
    request.save()


@transaction.atomic
def agency_change_request_approve(*, request_id: int, by, reason: str = "") -> AgencyChangeRequest:
    """Approve: the official's open posts close yesterday and the requested post opens today."""
    from .notifications import change_request_notify

    request = AgencyChangeRequest.objects.select_for_update().get(pk=request_id)
    _decide(request, status=ChangeRequestStatus.APPROVED, by=by, reason=reason)
    open_posts = list(Assignment.objects.filter(official=request.official, end_date__isnull=True))
    assignment_move(
        official=request.official,
        closing=open_posts,
        agency=request.agency,
        position_kind=request.position_kind,
        position_title=request.position_title,
        start_date=timezone.localdate(),
    )
    change_request_notify(request=request)
    return request


@transaction.atomic
def agency_change_request_refuse(*, request_id: int, by, reason: str) -> AgencyChangeRequest:
    """Refuse with a reason the official reads in the notice."""
    from .notifications import change_request_notify

    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for refusing.")})
    request = AgencyChangeRequest.objects.select_for_update().get(pk=request_id)
    _decide(request, status=ChangeRequestStatus.REFUSED, by=by, reason=reason.strip())
    change_request_notify(request=request)
    return request


# --------------------------------------------------------------------------------------------
# Successions: mergers, splits and renamings of units


def succession_problems(
    *, predecessors: Sequence[Agency], successors: Sequence[Agency], date: datetime.date
) -> list[str]:
    """Why these successions cannot be recorded (empty when they can); nothing is written."""
    from .selectors import lineage_paths

    problems: list[str] = []
    if not predecessors or not successors:
        return [_("Name at least one former unit and one successor.")]
    if len(predecessors) > 1 and len(successors) > 1:
        problems.append(
            _("Record a merger (several units into one) or a split (one unit into several).")
        )
    day_before = date - datetime.timedelta(days=1)
    for predecessor in predecessors:
        if predecessor.valid_from and predecessor.valid_from > day_before:
            problems.append(
                _("%(unit)s starts on %(start)s, after the day before the succession.")
                % {"unit": predecessor, "start": predecessor.valid_from.strftime("%d/%m/%Y")}
            )
        if predecessor.valid_to and predecessor.valid_to > day_before:
            problems.append(
                _("%(unit)s closes on %(end)s, after the succession date.")
                % {"unit": predecessor, "end": predecessor.valid_to.strftime("%d/%m/%Y")}
            )
        earlier = lineage_paths(predecessor)
        for successor in successors:
            if successor.pk == predecessor.pk:
                problems.append(_("%(unit)s cannot succeed itself.") % {"unit": successor})
            elif successor.path.startswith(predecessor.path):
                problems.append(
                    _("%(successor)s lies inside %(unit)s and cannot succeed it.")
                    % {"successor": successor, "unit": predecessor}
                )
            elif any(successor.path.startswith(p) for p in earlier):
                problems.append(
                    _("%(successor)s already preceded %(unit)s: the successions would loop.")
                    % {"successor": successor, "unit": predecessor}
                )
            else:
                recorded = Succession.objects.filter(
                    predecessor=predecessor, successor=successor
                ).first()
                if recorded and recorded.date != date:
                    problems.append(
                        _("%(unit)s → %(successor)s is already recorded on %(date)s.")
                        % {
                            "unit": predecessor,
                            "successor": successor,
                            "date": recorded.date.strftime("%d/%m/%Y"),
                        }
                    )
    for successor in successors:
        if not successor.is_valid_on(date):
            problems.append(
                _("%(unit)s is not in force on %(date)s.")
                % {"unit": successor, "date": date.strftime("%d/%m/%Y")}
            )
    return problems


@transaction.atomic
def succession_record(
    *,
    predecessors: Sequence[Agency],
    successors: Sequence[Agency],
    date: datetime.date,
    note: str = "",
) -> list[Succession]:
    """Record a merger, split or renaming on ``date``: the former units close the day before
    and their records roll up into the successors; recording the same thing again changes
    nothing. Raises ValidationError listing every problem (then nothing is written)."""
    problems = succession_problems(predecessors=predecessors, successors=successors, date=date)
    if problems:
        raise ValidationError(problems)
    day_before = date - datetime.timedelta(days=1)
    recorded = []
    for predecessor in predecessors:
        if predecessor.valid_to is None:
            predecessor.valid_to = day_before
            Agency.objects.filter(pk=predecessor.pk).update(valid_to=day_before)
        for successor in successors:
            succession, _created = Succession.objects.get_or_create(
                predecessor=predecessor,
                successor=successor,
                defaults={"date": date, "note": note[:255]},
            )
            recorded.append(succession)
    logger.info(
        "succession on %s: %s -> %s",
        date,
        ", ".join(a.code or str(a.pk) for a in predecessors),
        ", ".join(a.code or str(a.pk) for a in successors),
    )
    return recorded


SUCCESSION_COLUMNS = {
    "predecessor": ("predecessor", "predecessor_code", "old_code", "mã đơn vị cũ", "đơn vị cũ"),
    "successor": ("successor", "successor_code", "new_code", "mã đơn vị mới", "đơn vị mới"),
    "date": ("date", "effective_date", "ngày hiệu lực", "ngày"),
    "note": ("note", "ghi chú"),
}
SUCCESSION_MAX_ROWS = 20000


@dataclass
class SuccessionLoad:
    rows: int = 0
    created: int = 0
    unchanged: int = 0


def successions_load(*, name: str, content: bytes) -> SuccessionLoad:
    """Read an old→new mapping (CSV or XLSX: predecessor, successor, date, note) and record it;
    rows sharing predecessor and date form one split, rows sharing successor one merger.

    A unit is "CODE" or "CODE / Name / Name" (as in the officials import): the predecessor is
    the one in force the day before the date, the successor the one in force on it. Every row
    is checked first; raises TableError naming the file and row of each problem, writing
    nothing."""
    from lms.core.tabular import TableError, read_table

    table = read_table(
        name=name,
        content=content,
        columns=SUCCESSION_COLUMNS,
        required=[("predecessor", "successor", "date")],
        max_rows=SUCCESSION_MAX_ROWS,
    )
    resolve = _AgencyResolver()
    errors: list[tuple[int, str]] = []
    planned: list[tuple[int, Agency, Agency, datetime.date, str]] = []
    for number, values in table.rows:
        text = {k: str(v).strip() for k, v in values.items()}
        try:
            day = _parse_date(values.get("date", ""))
        except ValueError:
            message = _("date: %(value)s is not a date (dd/mm/yyyy)")
            errors.append((number, message % {"value": text.get("date", "")}))
            continue
        before = resolve(text.get("predecessor", ""), day - datetime.timedelta(days=1))
        after = resolve(text.get("successor", ""), day)
        for field_name, found in (("predecessor", before), ("successor", after)):
            if isinstance(found, str):
                errors.append((number, f"{field_name}: {found}"))
        if isinstance(before, Agency) and isinstance(after, Agency):
            planned.append((number, before, after, day, text.get("note", "")))
    seen: dict[tuple[int, int], int] = {}
    for number, before, after, day, _note in planned:
        if (before.pk, after.pk) in seen:
            message = _("%(unit)s → %(successor)s is repeated (first on row %(row)s)")
            errors.append(
                (
                    number,
                    message
                    % {"unit": before, "successor": after, "row": seen[before.pk, after.pk]},
                )
            )
        seen.setdefault((before.pk, after.pk), number)
        for problem in succession_problems(predecessors=[before], successors=[after], date=day):
            errors.append((number, problem))
    if errors:
        raise TableError([table.error(n, m) for n, m in sorted(errors, key=lambda e: e[0])])
    counts = SuccessionLoad(rows=len(planned))
    with transaction.atomic():
        for number, before, after, day, note in planned:
            known = Succession.objects.filter(predecessor=before, successor=after).exists()
            try:
                succession_record(predecessors=[before], successors=[after], date=day, note=note)
            except ValidationError as exc:  # rows contradicting each other (two closing dates)
                raise TableError([table.error(number, m) for m in exc.messages]) from exc
            if known:
                counts.unchanged += 1
            else:
                counts.created += 1
    return counts
