"""content/courses/** → Wagtail pages (see docs in README: "Course content files").

``CourseSource(root)`` follows lms.core.content.ContentSource: ``validate()`` parses every file
and raises ContentError("path:line: reason") on the first problem, ``plan()`` lists what would
change, ``apply()`` writes it. Pages keep the hash of the file they came from, so a second run
changes nothing, and the revision the sync wrote, so edits made in the admin since are noticed
and kept unless ``force``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile

from lms.core.content import Change, ContentError

from .doctemplates import BuiltDocument, is_template
from .doctemplates import build as build_template

SYNC_FORMAT = "1"  # bump to resync every page after a change in how files are turned into pages
INDEX_SLUG = "khoa-hoc"
INDEX_TITLE = "Khóa học"
BLOCK_KINDS = ("example", "remember", "selfcheck", "table", "video", "summary")
COMPLETION_RULES = ("all_lessons", "all_lessons_and_final_quiz")
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ORDERED_RE = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)$")
BLOCK_RE = re.compile(r"^:::\s*(.*)$")
IMAGE_RE = re.compile(r'^!\[(?P<caption>[^\]]*)\]\((?P<path>[^)\s]+)(?:\s+"[^"]*")?\)\s*$')
DOCUMENT_RE = re.compile(
    r"^\[\[\s*document:\s*(?P<path>[^|\]]+?)\s*\|\s*(?P<title>[^\]]+?)\s*\]\]\s*$"
)
CLAUSE_RE = re.compile(r"^\d+(?:\.\d+)*$")
WORDS_PER_MINUTE = 200


# --- parsed files -------------------------------------------------------------------------------


@dataclass
class Asset:
    path: Path
    sha1: str
    title: str
    # A form built from a ``*.docx.yaml`` / ``*.xlsx.yaml`` source (lms.courses.doctemplates).
    built: BuiltDocument | None = None


@dataclass
class LessonSpec:
    path: Path
    slug: str
    title: str
    clauses: list[str]
    minutes: int
    blocks: list[dict]  # StreamField raw data; image/document values hold Asset objects
    hash: str


@dataclass
class ModuleSpec:
    path: Path
    slug: str
    title: str
    intro: str
    quiz: str | None
    quiz_line: int | None
    hash: str
    lessons: list[LessonSpec] = field(default_factory=list)


@dataclass
class CourseSpec:
    path: Path
    slug: str
    code: str
    title: str
    summary: str
    audience: str
    intro: str
    open_enrolment: bool
    completion: str
    final_quiz: str | None
    final_quiz_line: int | None
    certificate_validity_months: int | None
    clauses: list[str]
    hash: str
    modules: list[ModuleSpec] = field(default_factory=list)


def _sha(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in (SYNC_FORMAT, *parts):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _read(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(path, None, "the file is not UTF-8 text") from exc
    return text.replace("\r\n", "\n")


def _front_matter(path: Path) -> tuple[dict, list[str], str, int]:
    """(metadata, front-matter lines, body, 1-based line number where the body starts)."""
    text = _read(path)
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, 1, "the file must start with a '---' front matter line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ContentError(path, 1, "the front matter is not closed by a '---' line") from None
    header = lines[1:end]
    try:
        meta = yaml.safe_load("\n".join(header)) or {}
    except yaml.YAMLError as exc:
        # Where the broken construct starts is nearer the mistake than where it is noticed.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContentError(path, line, f"bad YAML: {problem}") from None
    if not isinstance(meta, dict):
        raise ContentError(path, 2, "the front matter must be a mapping of 'key: value' lines")
    return meta, header, "\n".join(lines[end + 1 :]), end + 2


def _key_line(header: list[str], key: str) -> int | None:
    for i, line in enumerate(header):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return i + 2
    return None


def _text(path, meta, header, key, *, required=False) -> str:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ContentError(path, _key_line(header, key) or 1, f"missing '{key}'")
        return ""
    if not isinstance(value, str | int | float):
        raise ContentError(path, _key_line(header, key), f"'{key}' must be text")
    return str(value).strip()


def _clauses(path, meta, header, *, required: bool) -> list[str]:
    if "clauses" not in meta:
        if required:
            raise ContentError(path, 1, "missing 'clauses' (use [] when the lesson teaches none)")
        return []
    value = meta["clauses"] or []
    line = _key_line(header, "clauses")
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise ContentError(
            path, line, "'clauses' must be a list of quoted clause numbers, e.g. [\"9.2\"]"
        )
    bad = [c for c in value if not CLAUSE_RE.match(c.strip())]
    if bad:
        raise ContentError(path, line, f"'{bad[0]}' is not a clause number")
    return [c.strip() for c in value]


def _ordered_name(path: Path, name: str, what: str) -> tuple[int, str]:
    match = ORDERED_RE.match(name)
    if not match:
        raise ContentError(path, None, f"{what} name must be 'NN-slug' (lowercase ASCII): {name!r}")
    return int(match.group(1)), match.group(2)


class CourseSource:
    """The folder content/courses: one sub-folder per course."""

    name = "courses"

    def __init__(self, root: Path | str, *, quiz_root: Path | str | None = None):
        self.root = Path(root)
        self.quiz_root = Path(quiz_root) if quiz_root else self.root.parent / "quizzes"
        self.courses: list[CourseSpec] | None = None
        self._assets: dict[str, object] = {}

    # --- validate ----------------------------------------------------------------------------

    def validate(self) -> None:
        courses = []
        if self.root.is_dir():
            for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
                if folder.name.startswith((".", "_")):
                    continue
                courses.append(self._parse_course(folder))
        codes: dict[str, Path] = {}
        for course in courses:
            if course.code in codes:
                raise ContentError(
                    course.path,
                    2,
                    f"course code {course.code!r} is also used by {codes[course.code]}",
                )
            codes[course.code] = course.path
        self._check_quizzes(courses)
        self.courses = courses

    def _parse_course(self, folder: Path) -> CourseSpec:
        path = folder / "course.md"
        if not SLUG_RE.match(folder.name):
            raise ContentError(folder, None, "course folder name must be a lowercase ASCII slug")
        if not path.is_file():
            raise ContentError(path, None, "missing course.md")
        meta, header, body, _start = _front_matter(path)
        completion = _text(path, meta, header, "completion") or "all_lessons"
        if completion not in COMPLETION_RULES:
            raise ContentError(
                path,
                _key_line(header, "completion"),
                f"completion must be one of {', '.join(COMPLETION_RULES)}",
            )
        open_enrolment = meta.get("open_enrolment", True)
        if not isinstance(open_enrolment, bool):
            raise ContentError(
                path, _key_line(header, "open_enrolment"), "open_enrolment must be true or false"
            )
        validity = meta.get("certificate_validity_months")
        if validity is not None and (
            not isinstance(validity, int) or isinstance(validity, bool) or validity < 1
        ):
            raise ContentError(
                path,
                _key_line(header, "certificate_validity_months"),
                "certificate_validity_months must be a whole number",
            )
        final_quiz = _text(path, meta, header, "final_quiz") or None
        if completion == "all_lessons_and_final_quiz" and not final_quiz:
            raise ContentError(
                path, _key_line(header, "completion"), "this completion rule needs a final_quiz"
            )
        code = _text(path, meta, header, "code", required=True)
        if len(code) > 40:
            raise ContentError(path, _key_line(header, "code"), "code is longer than 40 characters")
        course = CourseSpec(
            path=path,
            slug=folder.name,
            code=code,
            title=_text(path, meta, header, "title", required=True),
            summary=_text(path, meta, header, "summary", required=True),
            audience=_text(path, meta, header, "audience"),
            intro=body.strip(),
            open_enrolment=open_enrolment,
            completion=completion,
            final_quiz=final_quiz,
            final_quiz_line=_key_line(header, "final_quiz"),
            certificate_validity_months=validity,
            clauses=_clauses(path, meta, header, required=False),
            hash=_sha(_read(path)),
        )
        seen: dict[str, Path] = {}
        orders = []
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            if sub.name.startswith((".", "_")) or not sub.name[:1].isdigit():
                continue  # images/, files/ and other asset folders
            order, slug = _ordered_name(sub, sub.name, "module folder")
            if slug in seen:
                raise ContentError(sub, None, f"module slug {slug!r} is also used by {seen[slug]}")
            seen[slug] = sub
            orders.append((order, sub.name, self._parse_module(sub, slug)))
        course.modules = [module for _o, _n, module in sorted(orders)]
        return course

    def _parse_module(self, folder: Path, slug: str) -> ModuleSpec:
        path = folder / "module.md"
        if not path.is_file():
            raise ContentError(path, None, "missing module.md")
        meta, header, body, _start = _front_matter(path)
        module = ModuleSpec(
            path=path,
            slug=slug,
            title=_text(path, meta, header, "title", required=True),
            intro=body.strip(),
            quiz=_text(path, meta, header, "quiz") or None,
            quiz_line=_key_line(header, "quiz"),
            hash=_sha(_read(path)),
        )
        seen: dict[str, Path] = {}
        lessons = []
        for file in sorted(folder.glob("*.md")):
            if file.name == "module.md":
                continue
            order, lesson_slug = _ordered_name(file, file.stem, "lesson file")
            if lesson_slug in seen:
                raise ContentError(
                    file, None, f"lesson slug {lesson_slug!r} is also used by {seen[lesson_slug]}"
                )
            seen[lesson_slug] = file
            lessons.append((order, file.name, self._parse_lesson(file, lesson_slug)))
        module.lessons = [lesson for _o, _n, lesson in sorted(lessons)]
        return module

    def _parse_lesson(self, path: Path, slug: str) -> LessonSpec:
        meta, header, body, start = _front_matter(path)
        title = _text(path, meta, header, "title", required=True)
        clauses = _clauses(path, meta, header, required=True)
        minutes = meta.get("minutes")
        if minutes is not None and (
            not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1
        ):
            raise ContentError(
                path, _key_line(header, "minutes"), "minutes must be a whole number of minutes"
            )
        blocks, assets = _parse_body(path, body, start)
        if not blocks or blocks[-1]["type"] != "summary":
            raise ContentError(
                path,
                start + body.rstrip("\n").count("\n"),
                "a lesson must end with a '::: summary' block",
            )
        if minutes is None:
            words = len(re.findall(r"\w+", body))
            minutes = max(1, round(words / WORDS_PER_MINUTE))
        return LessonSpec(
            path=path,
            slug=slug,
            title=title,
            clauses=clauses,
            minutes=minutes,
            blocks=blocks,
            hash=_sha(_read(path), *[asset.sha1 for asset in assets]),
        )

    def _check_quizzes(self, courses: list[CourseSpec]) -> None:
        known = self._known_quiz_slugs()
        for course in courses:
            if course.final_quiz and course.final_quiz not in known:
                raise ContentError(
                    course.path, course.final_quiz_line, f"unknown quiz '{course.final_quiz}'"
                )
            for module in course.modules:
                if module.quiz and module.quiz not in known:
                    raise ContentError(
                        module.path, module.quiz_line, f"unknown quiz '{module.quiz}'"
                    )

    def _known_quiz_slugs(self) -> set[str]:
        """Quizzes in the database, plus those the quiz source will create in the same run."""
        from lms.quizzes.models import Quiz

        known = set(Quiz.objects.values_list("slug", flat=True))
        if self.quiz_root.is_dir():
            for file in self.quiz_root.rglob("*"):
                if not file.is_file() or file.suffix.lower() not in {
                    ".yaml",
                    ".yml",
                    ".gift",
                    ".txt",
                    ".md",
                }:
                    continue
                known.add(file.stem)
                try:
                    text = file.read_text(encoding="utf-8")
                except (UnicodeDecodeError, OSError):
                    continue
                known.update(re.findall(r"^slug:\s*['\"]?([\w-]+)", text, flags=re.MULTILINE))
        return known

    # --- plan ----------------------------------------------------------------------------------

    def _ensure_parsed(self) -> list[CourseSpec]:
        if self.courses is None:
            self.validate()
        return self.courses

    def plan(self, *, force: bool = False) -> list[Change]:
        return [change for change, _op in self._operations(force=force)]

    def _operations(self, *, force: bool) -> list[tuple[Change, tuple]]:
        """(Change, operation) pairs; operations are run by apply() in order."""
        from .models import CourseIndexPage, CoursePage, LessonPage, ModulePage

        courses = self._ensure_parsed()
        ops: list[tuple[Change, tuple]] = []
        if not courses:
            return ops
        index = (
            CourseIndexPage.objects.filter(slug=INDEX_SLUG).first()
            or CourseIndexPage.objects.first()
        )
        if index is None:
            ops.append((Change("create", f"course index /{INDEX_SLUG}/"), ("index",)))
        existing_courses = {page.code: page for page in CoursePage.objects.all()}
        for course in courses:
            page = existing_courses.get(course.code)
            ops.extend(
                self._decide(
                    page, course, CoursePage, f"course {course.code}", force, ("course", course)
                )
            )
            module_pages = (
                {p.slug: p for p in ModulePage.objects.child_of(page)} if page is not None else {}
            )
            for module in course.modules:
                mpage = module_pages.get(module.slug)
                target = f"module {course.slug}/{module.slug}"
                ops.extend(
                    self._decide(
                        mpage, module, ModulePage, target, force, ("module", course, module)
                    )
                )
                lesson_pages = (
                    {p.slug: p for p in LessonPage.objects.child_of(mpage)}
                    if mpage is not None
                    else {}
                )
                for lesson in module.lessons:
                    target = f"lesson {course.slug}/{module.slug}/{lesson.slug}"
                    lpage = lesson_pages.get(lesson.slug)
                    ops.extend(
                        self._decide(
                            lpage,
                            lesson,
                            LessonPage,
                            target,
                            force,
                            ("lesson", course, module, lesson),
                        )
                    )
                ops.extend(
                    self._order_and_removals(
                        mpage,
                        [s.slug for s in module.lessons],
                        force,
                        f"module {course.slug}/{module.slug}",
                    )
                )
            ops.extend(
                self._order_and_removals(
                    page, [m.slug for m in course.modules], force, f"course {course.code}"
                )
            )
        # Courses whose folder is gone are unpublished, not deleted: enrolments are records.
        codes = {course.code for course in courses}
        for code, page in existing_courses.items():
            if code not in codes and page.live and page.source_hash:
                if self._edited(page) and not force:
                    ops.append(
                        (
                            Change(
                                "skip",
                                f"course {code}",
                                "removed from files but edited in the admin; use --force",
                            ),
                            ("noop",),
                        )
                    )
                else:
                    ops.append(
                        (
                            Change("unpublish", f"course {code}", "its folder was removed"),
                            ("unpublish", page.pk),
                        )
                    )
        return ops

    @staticmethod
    def _edited(page) -> bool:
        """Saved in the admin since the last sync (or never synced at all)."""
        return (
            page.latest_revision_id is not None
            and page.latest_revision_id != page.synced_revision_id
        )

    def _decide(self, page, spec, model, target, force, op):
        if page is None:
            return [(Change("create", target, str(spec.path)), op)]
        if page.source_hash == spec.hash and page.live and not self._edited(page):
            return []
        if page.source_hash == spec.hash and not force:
            return []  # the file did not change; whatever the admin did stays
        if self._edited(page) and not force:
            detail = (
                f"{spec.path}: edited in the admin since the last sync; use --force to overwrite"
            )
            return [(Change("skip", target, detail), ("noop",))]
        return [(Change("update", target, str(spec.path)), op)]

    def _order_and_removals(self, parent, slugs: list[str], force: bool, target: str):
        if parent is None:
            return []
        ops = []
        children = list(parent.get_children().specific().order_by("path"))
        current = [child.slug for child in children if child.slug in slugs]
        # New pages are added last; the order wanted is the file order.
        if current + [s for s in slugs if s not in current] != slugs:
            ops.append(
                (
                    Change("move", target, "reorder to match the file names"),
                    ("reorder", parent.pk, slugs),
                )
            )
        for child in children:
            if child.slug in slugs or not child.live or not getattr(child, "source_hash", ""):
                continue
            if self._edited(child) and not force:
                ops.append(
                    (
                        Change(
                            "skip",
                            f"{target}/{child.slug}",
                            "removed from files but edited in the admin; use --force",
                        ),
                        ("noop",),
                    )
                )
            else:
                ops.append(
                    (
                        Change("unpublish", f"{target}/{child.slug}", "its file was removed"),
                        ("unpublish", child.pk),
                    )
                )
        return ops

    # --- apply ---------------------------------------------------------------------------------

    def apply(self, *, force: bool = False) -> list[Change]:
        done = []
        for change, op in self._operations(force=force):
            kind = op[0]
            if kind == "index":
                self._create_index()
            elif kind == "course":
                self._write_course(op[1])
            elif kind == "module":
                self._write_module(op[1], op[2])
            elif kind == "lesson":
                self._write_lesson(op[1], op[2], op[3])
            elif kind == "reorder":
                self._reorder(op[1], op[2])
            elif kind == "unpublish":
                from wagtail.models import Page

                Page.objects.get(pk=op[1]).specific.unpublish()
            done.append(change)
        return done

    def _create_index(self):
        from wagtail.models import Site

        from .models import CourseIndexPage

        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise ContentError(self.root, None, "no default Wagtail site: run migrations first")
        home = site.root_page
        index = CourseIndexPage(title=INDEX_TITLE, slug=INDEX_SLUG)
        home.add_child(instance=index)
        index.save_revision().publish()

    def _index(self):
        from .models import CourseIndexPage

        return (
            CourseIndexPage.objects.filter(slug=INDEX_SLUG).first()
            or CourseIndexPage.objects.first()
        )

    def _quiz(self, slug, path, line):
        if not slug:
            return None
        from lms.quizzes.models import Quiz

        quiz = Quiz.objects.filter(slug=slug).first()
        if quiz is None:
            raise ContentError(path, line, f"unknown quiz '{slug}'")
        return quiz

    def _save(self, parent, page, spec, is_new: bool):
        page.source_hash = spec.hash
        if is_new:
            parent.add_child(instance=page)
        revision = page.save_revision(log_action=True, clean=True)
        revision.publish(log_action=True)
        type(page).objects.filter(pk=page.pk).update(synced_revision=revision)
        return page

    def _write_course(self, spec: CourseSpec):
        from .models import CoursePage

        page = CoursePage.objects.filter(code=spec.code).first()
        is_new = page is None
        if is_new:
            page = CoursePage(code=spec.code)
        page.title = spec.title
        page.draft_title = spec.title
        if is_new:
            page.slug = spec.slug
        page.summary = spec.summary
        page.audience = spec.audience
        page.intro = spec.intro
        page.open_enrolment = spec.open_enrolment
        page.completion = spec.completion
        page.certificate_validity_months = spec.certificate_validity_months
        page.final_quiz = self._quiz(spec.final_quiz, spec.path, spec.final_quiz_line)
        page.clauses.set(spec.clauses)
        self._save(self._index(), page, spec, is_new)

    def _write_module(self, course: CourseSpec, spec: ModuleSpec):
        from .models import CoursePage, ModulePage

        parent = CoursePage.objects.get(code=course.code)
        page = ModulePage.objects.child_of(parent).filter(slug=spec.slug).first()
        is_new = page is None
        if is_new:
            page = ModulePage(slug=spec.slug)
        page.title = page.draft_title = spec.title
        page.intro = spec.intro
        page.quiz = self._quiz(spec.quiz, spec.path, spec.quiz_line)
        self._save(parent, page, spec, is_new)

    def _write_lesson(self, course: CourseSpec, module: ModuleSpec, spec: LessonSpec):
        from .models import CoursePage, LessonPage, ModulePage

        course_page = CoursePage.objects.get(code=course.code)
        parent = ModulePage.objects.child_of(course_page).get(slug=module.slug)
        page = LessonPage.objects.child_of(parent).filter(slug=spec.slug).first()
        is_new = page is None
        if is_new:
            page = LessonPage(slug=spec.slug)
        page.title = page.draft_title = spec.title
        page.estimated_minutes = spec.minutes
        page.body = [self._raw_block(block) for block in spec.blocks]
        page.clauses.set(spec.clauses)
        self._save(parent, page, spec, is_new)

    def _raw_block(self, block: dict) -> dict:
        value = block["value"]
        if block["type"] == "image":
            value = {"image": self._image(value["asset"]).pk, "caption": value["caption"]}
        elif block["type"] == "document":
            value = {"document": self._document(value["asset"]).pk, "title": value["title"]}
        return {"type": block["type"], "value": value}

    def _image(self, asset: Asset):
        from wagtail.images import get_image_model

        key = f"image:{asset.sha1}"
        if key not in self._assets:
            image_model = get_image_model()
            image = image_model.objects.filter(file_hash=asset.sha1).first()
            if image is None:
                with asset.path.open("rb") as handle:
                    image = image_model(
                        title=asset.title[:255] or asset.path.stem,
                        file=File(handle, name=asset.path.name),
                    )
                    image.file_hash = asset.sha1
                    image.file_size = asset.path.stat().st_size
                    image.save()
            self._assets[key] = image
        return self._assets[key]

    def _document(self, asset: Asset):
        from wagtail.documents import get_document_model

        key = f"document:{asset.sha1}"
        if key not in self._assets:
            document_model = get_document_model()
            document = document_model.objects.filter(file_hash=asset.sha1).first()
            if document is None and asset.built is not None:
                document = document_model(
                    title=asset.title[:255],
                    file=ContentFile(asset.built.data, name=asset.built.name),
                )
                document.file_hash = asset.sha1
                document.file_size = len(asset.built.data)
                document.save()
            if document is None:
                with asset.path.open("rb") as handle:
                    document = document_model(
                        title=asset.title[:255], file=File(handle, name=asset.path.name)
                    )
                    document.file_hash = asset.sha1
                    document.file_size = asset.path.stat().st_size
                    document.save()
            self._assets[key] = document
        return self._assets[key]

    def _reorder(self, parent_pk: int, slugs: list[str]):
        from wagtail.models import Page

        for slug in slugs:
            parent = Page.objects.get(pk=parent_pk)
            child = parent.get_children().filter(slug=slug).first()
            if child is not None:
                child.move(parent, pos="last-child")


# --- lesson bodies ------------------------------------------------------------------------------


def _asset(
    lesson_path: Path, line_no: int, ref: str, title: str, allowed: set[str], what: str
) -> Asset:
    if re.match(r"^[a-z]+://", ref):
        raise ContentError(
            lesson_path, line_no, f"{what} must be a file in the course folder, not a URL"
        )
    target = (lesson_path.parent / ref).resolve()
    if is_template(target) and ".docx" in allowed:
        if not target.is_file():
            raise ContentError(lesson_path, line_no, f"{what} {ref!r} not found")
        built = build_template(target)
        return Asset(path=target, sha1=built.digest, title=title.strip(), built=built)
    if target.suffix.lower() not in allowed:
        raise ContentError(
            lesson_path,
            line_no,
            f"{what} {ref!r}: file type not allowed ({', '.join(sorted(allowed))})",
        )
    if not target.is_file():
        raise ContentError(lesson_path, line_no, f"{what} {ref!r} not found")
    return Asset(
        path=target, sha1=hashlib.sha1(target.read_bytes()).hexdigest(), title=title.strip()
    )


def _parse_body(path: Path, body: str, start: int) -> tuple[list[dict], list[Asset]]:
    """Split a lesson body into StreamField blocks; ``start`` is the body's first line number."""
    blocks: list[dict] = []
    assets: list[Asset] = []
    text: list[str] = []
    open_block: tuple[str, str, int] | None = None  # kind, argument, line
    inner: list[str] = []
    doc_extensions = {
        f".{ext}" for ext in getattr(settings, "WAGTAILDOCS_EXTENSIONS", []) or ["pdf", "docx"]
    }

    def flush_text():
        content = "\n".join(text).strip()
        if content:
            blocks.append({"type": "text", "value": content})
        text.clear()

    for offset, line in enumerate(body.split("\n")):
        line_no = start + offset
        match = BLOCK_RE.match(line.rstrip())
        if open_block is not None:
            if match and not match.group(1).strip():
                blocks.extend(_make_block(path, *open_block, inner))
                open_block, inner = None, []
            elif match:
                raise ContentError(
                    path,
                    line_no,
                    f"block '{open_block[0]}' (line {open_block[2]}) is not closed"
                    " before a new block",
                )
            else:
                inner.append(line)
            continue
        if match:
            opening = match.group(1).strip()
            if not opening:
                raise ContentError(path, line_no, "':::' closes a block that was never opened")
            kind, _sep, argument = opening.partition(" ")
            if kind not in BLOCK_KINDS:
                raise ContentError(path, line_no, f"unknown block '{kind}'")
            flush_text()
            open_block = (kind, argument.strip(), line_no)
            continue
        image = IMAGE_RE.match(line.strip())
        document = DOCUMENT_RE.match(line.strip())
        if image:
            flush_text()
            asset = _asset(
                path, line_no, image["path"], image["caption"], IMAGE_EXTENSIONS, "image"
            )
            assets.append(asset)
            blocks.append(
                {"type": "image", "value": {"asset": asset, "caption": image["caption"].strip()}}
            )
        elif document:
            flush_text()
            asset = _asset(
                path, line_no, document["path"], document["title"], doc_extensions, "document"
            )
            assets.append(asset)
            blocks.append(
                {"type": "document", "value": {"asset": asset, "title": document["title"].strip()}}
            )
        elif line.strip().startswith("[[document"):
            raise ContentError(path, line_no, "a document line is '[[document: path | title]]'")
        else:
            text.append(line)
    if open_block is not None:
        raise ContentError(path, open_block[2], f"block '{open_block[0]}' is not closed with ':::'")
    flush_text()
    return blocks, assets


def _make_block(path: Path, kind: str, argument: str, line_no: int, lines: list[str]) -> list[dict]:
    content = "\n".join(lines).strip()
    if kind == "video":
        url, _sep, caption = argument.partition(" ")
        if not re.match(r"^https?://\S+$", url):
            raise ContentError(
                path, line_no, "a video block needs a URL: '::: video https://... Caption'"
            )
        return [
            {"type": "video", "value": {"url": url, "caption": (caption.strip() or content)[:255]}}
        ]
    if not content:
        raise ContentError(path, line_no, f"block '{kind}' is empty")
    if kind == "example":
        return [{"type": "example", "value": {"title": argument[:255], "body": content}}]
    if kind == "table":
        if not any(line.strip().startswith("|") for line in lines):
            raise ContentError(path, line_no, "a table block needs a Markdown pipe table")
        return [{"type": "table", "value": {"caption": argument[:255], "table": content}}]
    if kind == "selfcheck":
        return _selfchecks(path, line_no, lines)
    return [{"type": kind, "value": content}]


def _selfchecks(path: Path, line_no: int, lines: list[str]) -> list[dict]:
    pairs: list[dict] = []
    current = None
    for offset, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("Q:"):
            if current is not None and not current["answer"]:
                raise ContentError(
                    path,
                    line_no + offset,
                    "a 'Q:' line needs its 'A:' line before the next question",
                )
            current = {"question": stripped[2:].strip(), "answer": []}
            pairs.append(current)
        elif stripped.startswith("A:"):
            if current is None:
                raise ContentError(path, line_no + offset, "an 'A:' line must follow a 'Q:' line")
            current["answer"].append(stripped[2:].strip())
        elif current is not None:
            # A continuation line belongs to the answer once it has started, else to the question.
            if current["answer"]:
                current["answer"].append(line.rstrip())
            elif stripped:
                current["question"] += " " + stripped
    if not pairs or not all(pair["answer"] for pair in pairs):
        raise ContentError(
            path, line_no, "a selfcheck block needs at least one 'Q:' line and one 'A:' line"
        )
    return [
        {
            "type": "selfcheck",
            "value": {"question": pair["question"], "answer": "\n".join(pair["answer"]).strip()},
        }
        for pair in pairs
    ]
