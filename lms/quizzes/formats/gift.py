"""Moodle's GIFT format (https://docs.moodle.org/en/GIFT_format) parsed into ParsedQuestion.

Follows Moodle's own reader (question/format/gift/format.php): a blank line ends a question, lines
starting with ``//`` are comments, ``::title::``, ``[html|moodle|markdown|plain]`` text formats, one
``{...}`` answer block per question (in mid-sentence it leaves a "_____" blank), ``####`` general
feedback and ``\\~ \\= \\# \\{ \\} \\: \\n`` escapes. Moodle's comment tags ``// [id:...]`` and
``// [tag:...]`` set the key and tags; a ``clause:6.1`` tag sets an ISO clause.

Stricter than Moodle where Moodle silently guesses: a short answer needs ``=`` before each
accepted text, a single choice needs exactly one ``=`` answer, and stray braces are errors.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .base import FormatError, ParsedChoice, ParsedQuestion, UnsupportedQuestion

BLANK = "_____"
FORMAT_MARKERS = {"html": "html", "markdown": "markdown", "plain": "plain", "moodle": "plain"}
TRUE_WORDS = {"T", "TRUE"}
FALSE_WORDS = {"F", "FALSE"}
# A multiple-response question's right answers must add up to 100 % (Moodle allows 3 x 33.33333).
WEIGHT_TOLERANCE = Decimal("0.001")

# Escaped characters become private-use code points while parsing, so that they never act as syntax.
_ESCAPABLE = {":": ":", "#": "#", "=": "=", "{": "{", "}": "}", "~": "~", "n": "\n", "\\": "\\"}
_PROTECT = {c: chr(0xE000 + ord(c)) for c in set(_ESCAPABLE.values())}
_UNPROTECT = str.maketrans({v: k for k, v in _PROTECT.items()})
WEIGHT_PATTERN = re.compile(r"^%\s*(-?\d+(?:\.\d+)?)\s*%")
_FORMAT = re.compile(r"^\[(html|moodle|markdown|plain)\]", re.IGNORECASE)
# Moodle's reader: "\]" (any backslash escape) inside [id:...] and [tag:...].
_COMMENT_TAG = re.compile(r"\[(id|tag):((?:\\.|[^\]\\])*)\]", re.IGNORECASE)
_COMMENT_ESCAPE = re.compile(r"\\(.)")
_CATEGORY_LINE = re.compile(r"^\$category\b\s*(:?)", re.IGNORECASE)
_CLAUSE_TAG = re.compile(
    r"^(?:clause|điều|dieu|iso\s*9001)\s*[:\s]\s*(\d{1,2}(?:\.\d+)*)$", re.IGNORECASE
)


def decode_utf8(data: bytes | str, path: str) -> str:
    """Decode a question file as UTF-8 (a BOM is accepted) or say clearly that it is not UTF-8."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise FormatError(
            path,
            None,
            f"file is not UTF-8 (byte 0x{byte:02X} at offset {error.start}); save it as UTF-8",
        ) from None


def normalize_category(path: str) -> str:
    """'$course$/top/ISO-NT/01' (Moodle) or ' ISO-NT / 01 ' -> 'ISO-NT/01'."""
    parts = [part.strip() for part in path.strip().split("/")]
    if parts and re.fullmatch(r"\$\w+\$", parts[0]):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return "/".join(part for part in parts if part)


def split_tags(tags: list[str]) -> tuple[list[str], list[str]]:
    """Separate ISO clause tags ('clause:6.1', 'điều 6.1') from ordinary tags."""
    plain, clauses = [], []
    for tag in tags:
        tag = tag.strip()
        if not tag:
            continue
        match = _CLAUSE_TAG.match(tag)
        if match:
            if match.group(1) not in clauses:
                clauses.append(match.group(1))
        elif tag not in plain:
            plain.append(tag)
    return plain, clauses


def parse_weight(raw: str, path: str, line: int | None) -> Decimal:
    """'33.33333' (percent) -> Decimal('0.3333333'), checked to lie in -100..100."""
    try:
        percent = Decimal(raw)
    except InvalidOperation:
        raise FormatError(path, line, f"weight {raw!r} is not a number") from None
    if not percent.is_finite():
        raise FormatError(path, line, f"weight {raw!r} is not a finite number")
    if not Decimal(-100) <= percent <= Decimal(100):
        raise FormatError(path, line, f"weight {raw}% is outside -100%..100%")
    return percent / 100


def percent(fraction: Decimal) -> str:
    """Decimal('0.3333333') -> '33.33333' (no exponent, no trailing zeros)."""
    return format((Decimal(fraction) * 100).normalize(), "f")


def check_choices(
    question: ParsedQuestion, path: str, how: str = "start the right answer with ="
) -> None:
    """Single: exactly one fully right choice. Multiple: right weights add up to 100 %."""
    line = question.line
    if len(question.choices) < 2:
        raise FormatError(path, line, "a choice question needs at least two answers")
    if question.kind == "single":
        right = [c for c in question.choices if c.fraction == 1]
        if not right:
            raise FormatError(path, line, f"no answer is marked right ({how})")
        if len(right) > 1:
            raise FormatError(
                path,
                line,
                f"{len(right)} answers are marked right in a single choice question; "
                "for multiple response give weights instead, e.g. ~%50%",
            )
    else:
        total = sum((c.fraction for c in question.choices if c.fraction > 0), Decimal(0))
        if total == 0:
            raise FormatError(
                path,
                line,
                "no answer is marked right (use = for one right answer, ~%50% weights for several)",
            )
        if abs(total - 1) > WEIGHT_TOLERANCE:
            raise FormatError(
                path,
                line,
                f"the weights of the right answers add up to {percent(total)}%, not 100%",
            )


def accepted_short_answers(
    weighted: list[tuple[Decimal, str]], path: str, line: int | None, name: str
) -> tuple[list[str], list[ParsedChoice]]:
    """Accepted texts of a short answer: the 100 % ones, and those earning part of the points.

    0 % and negative ones (Moodle's catch-alls, "*") earn nothing and are dropped."""
    accepted = [text for fraction, text in weighted if fraction == 1]
    partial = [ParsedChoice(text=text, fraction=f) for f, text in weighted if 0 < f < 1]
    if not accepted:
        raise FormatError(
            path, line, "a short answer question needs at least one answer worth 100%"
        )
    return accepted, partial


class _Block:
    """One question's source: its text with escapes protected, and the line of every character."""

    def __init__(self, rows: list[tuple[int, str]]):
        chars: list[str] = []
        lines: list[int] = []
        for index, (number, row) in enumerate(rows):
            if index:
                chars.append("\n")
                lines.append(rows[index - 1][0])
            position = 0
            while position < len(row):
                char = row[position]
                if char == "\\" and position + 1 < len(row) and row[position + 1] in _ESCAPABLE:
                    chars.append(_PROTECT[_ESCAPABLE[row[position + 1]]])
                    position += 2
                else:
                    chars.append(char)
                    position += 1
                lines.append(number)
        self.text = "".join(chars)
        self.lines = lines
        self.first_line = rows[0][0]

    def line_at(self, offset: int) -> int:
        if not self.lines:
            return self.first_line
        return self.lines[min(max(offset, 0), len(self.lines) - 1)]


def _clean(text: str) -> str:
    return text.translate(_UNPROTECT).strip()


def _strip_format(text: str) -> tuple[str | None, str]:
    """'[html]<b>x</b>' -> ('html', '<b>x</b>'); text without a known marker -> (None, text)."""
    text = text.strip()
    match = _FORMAT.match(text)
    if not match:
        return None, text
    return FORMAT_MARKERS[match.group(1).lower()], text[match.end() :].strip()


def _text(raw: str) -> str:
    """An answer or feedback: drop its own format marker (it follows the question's), unescape."""
    return _clean(_strip_format(raw)[1])


def parse(
    text: str | bytes,
    *,
    path: str,
    unsupported: list[UnsupportedQuestion] | None = None,
    notes: list[str] | None = None,
) -> list[ParsedQuestion]:
    """Parse GIFT text into questions; raise FormatError naming the line of the first problem.

    Unsupported question types raise UnsupportedQuestion, unless a list is given as
    ``unsupported``: then each is appended there and the others are still returned. With a
    ``notes`` list, descriptions (text between questions) are skipped with a note there, as
    Moodle XML's are, and questions sharing a title become distinct questions (Moodle's way).
    """
    path = str(path)
    skipped: list[UnsupportedQuestion] = []

    def named(error: FormatError, block_rows) -> FormatError:
        """The error with the question's title, when the block has one."""
        first = block_rows[0][1] if block_rows else ""
        title = first[2 : first.find("::", 2)] if first.startswith("::") else ""
        if not title or title in error.message:
            return error
        return FormatError(error.path, error.line, f"question {title!r}: {error.message}")

    source = decode_utf8(text, path).replace("\r\n", "\n").replace("\r", "\n")
    questions: list[ParsedQuestion] = []
    category = ""
    rows: list[tuple[int, str]] = []
    comments: list[str] = []

    def flush():
        nonlocal category, rows, comments
        if rows:
            marker = _CATEGORY_LINE.match(rows[0][1])
            if marker and (not marker.group(1) or not rows[0][1].startswith("$CATEGORY:")):
                raise FormatError(
                    path,
                    rows[0][0],
                    f"{rows[0][1][:40]!r}: write a category line as '$CATEGORY: path' "
                    "(capital letters, then a colon), as Moodle reads it",
                )
            if marker:
                category = normalize_category(rows[0][1][len("$CATEGORY:") :])
                rows = rows[1:]
            if rows:
                try:
                    question = _parse_block(_Block(rows), comments, path)
                except UnsupportedQuestion as error:
                    error.category = category
                    if error.kind == "description" and notes is not None:
                        notes.append(f"line {error.line}: description {error.name!r} skipped")
                        skipped.append(error)
                    elif unsupported is None:
                        raise
                    else:
                        unsupported.append(error)
                except FormatError as error:
                    raise named(error, rows) from None
                else:
                    question.category = question.category or category
                    questions.append(question)
        rows, comments = [], []

    for number, raw in enumerate(source.split("\n"), start=1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("//"):
            comments.append(line[2:])
        else:
            rows.append((number, line))
    flush()
    if notes is not None:
        distinct_titles(questions, notes)
    return questions


def distinct_titles(questions: list[ParsedQuestion], notes: list[str]) -> None:
    """Questions whose key is a title used by an earlier one get "title (2)"-style keys."""
    taken = {q.key for q in questions if q.key}
    seen: set[str] = set()
    for question in questions:
        if not question.key:
            continue
        if question.key not in seen:
            seen.add(question.key)
            continue
        if question.key != question.name:
            continue  # the same explicit id twice: the import refuses it, naming the id
        count = 2
        while f"{question.name} ({count})" in taken:
            count += 1
        key = f"{question.name} ({count})"
        taken.add(key)
        notes.append(
            f"line {question.line}: the title {question.name!r} is used by an earlier question; "
            f"imported as a distinct question with the id {key!r} (add [id:...] to choose one)"
        )
        question.key = key


def _parse_block(block: _Block, comments: list[str], path: str) -> ParsedQuestion:
    text = block.text
    line = block.first_line
    key, tags = "", []
    for comment in comments:
        for kind, value in _COMMENT_TAG.findall(comment):
            value = _COMMENT_ESCAPE.sub(r"\1", value)
            if kind.lower() == "id":
                key = value.strip()
            else:
                tags.append(value)
    tags, clauses = split_tags(tags)

    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise FormatError(
                path, line, "the question title starts with '::' but is not closed with '::'"
            )
        name = _clean(text[2:end])
        text_start = end + 2
    else:
        text_start = 0

    # Find the one answer block, checking the braces pair up.
    opened = closed = None
    for offset in range(text_start, len(text)):
        char = text[offset]
        if char == "{":
            if opened is not None and closed is None:
                raise FormatError(
                    path,
                    block.line_at(offset),
                    "'{' inside an answer block (write \\{ for a literal brace)",
                )
            if closed is not None:
                raise FormatError(
                    path,
                    block.line_at(offset),
                    "a second answer block {...}: a question has exactly one "
                    "(write \\{ and \\} for literal braces; cloze questions are not supported)",
                )
            opened = offset
        elif char == "}":
            if opened is None or closed is not None:
                raise FormatError(
                    path, block.line_at(offset), "'}' without '{' (write \\} for a literal brace)"
                )
            closed = offset
    if opened is not None and closed is None:
        raise FormatError(
            path, block.line_at(opened), "the answer block '{' is not closed with '}'"
        )
    if opened is None:
        if name:
            # Moodle writes descriptions (text shown between questions) as a title and text only.
            raise UnsupportedQuestion(path, line, "description", name)
        raise FormatError(
            path,
            line,
            "text without an answer block {...} (separate questions with a blank line; "
            "start comments with //)",
        )

    before, answer, after = (
        text[text_start:opened],
        text[opened + 1 : closed].strip(),
        text[closed + 1 :],
    )
    if after.strip() and after.lstrip(" \t").startswith("\n"):
        stray = closed + 1 + len(after) - len(after.lstrip())
        raise FormatError(
            path,
            block.line_at(stray),
            "text after the answer block on a new line (separate questions with a blank line)",
        )
    body = before.strip() if not after.strip() else before + BLANK + after
    text_format, body = _strip_format(body)
    question = ParsedQuestion(
        kind="essay",
        text=_clean(body),
        text_format=text_format or "plain",
        key=key or name,
        name=name,
        tags=tags,
        clauses=clauses,
        line=line,
        carries=frozenset(),
    )
    if not question.text:
        raise FormatError(path, line, "the question has no text")
    answer_line = block.line_at(opened)

    separator = answer.rfind("####")
    if separator >= 0:
        question.explanation = _text(answer[separator + 4 :])
        answer = answer[:separator].strip()

    if not answer:
        return question  # essay
    if answer.startswith("#"):
        _parse_numerical(question, answer[1:].strip(), path, answer_line)
        return question
    if "~" in answer:
        _parse_choices(question, answer, path, answer_line)
        return question
    if answer.startswith("=") and "->" in answer:
        _parse_matching(question, answer, path, answer_line)
        return question
    verdict, *feedback = (part.strip() for part in answer.split("#", 2))
    if verdict.upper() in TRUE_WORDS | FALSE_WORDS:
        question.kind = "truefalse"
        question.correct = verdict.upper() in TRUE_WORDS
        wrong = _text(feedback[0]) if feedback else ""
        right = _text(feedback[1]) if len(feedback) > 1 else ""
        question.feedback_true, question.feedback_false = (
            (right, wrong) if question.correct else (wrong, right)
        )
        return question
    if not answer.startswith("="):
        raise FormatError(
            path,
            answer_line,
            f"cannot tell the question type from {{{_clean(answer)}}}: start answers with "
            "= (right) or ~ (wrong), or write {T} / {F} for true/false",
        )
    question.kind = "short"
    weighted = []
    for piece in answer.split("=")[1:]:
        weight, piece = _weight(piece.strip(), Decimal(1), path, answer_line)
        accepted = _text(
            piece.split("#", 1)[0]
        )  # per-answer feedback has no place in a short answer
        if not accepted:
            raise FormatError(path, answer_line, "an empty answer after '='")
        weighted.append((weight, accepted))
    question.answers, question.partial_answers = accepted_short_answers(weighted, path, line, name)
    return question


def numerical_answer(raw: str, path: str, line: int | None) -> tuple[str, Decimal]:
    """'2015:0', '1..5' (a range) or '3.5' -> (value as text, tolerance)."""
    raw = raw.strip()
    try:
        if ".." in raw:
            low, high = (Decimal(part.strip()) for part in raw.split("..", 1))
            if low > high:
                raise InvalidOperation
            value, tolerance = (low + high) / 2, (high - low) / 2
        elif ":" in raw:
            value, tolerance = (Decimal(part.strip()) for part in raw.split(":", 1))
        else:
            value, tolerance = Decimal(raw), Decimal(0)
        if not (value.is_finite() and tolerance.is_finite()) or tolerance < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise FormatError(
            path,
            line,
            f"numerical answer {raw!r} is not a number: write value:tolerance or min..max",
        ) from None
    return format(value.normalize(), "f"), tolerance.normalize()


def _parse_numerical(question: ParsedQuestion, answer: str, path: str, line: int) -> None:
    """{#2015:0}, {#1..5} or {#=2015:0#right =%50%2014:1#close}."""
    question.kind = "numerical"
    pieces = answer.split("=")[1:] if answer.startswith("=") else [answer]
    for piece in pieces:
        weight, piece = _weight(piece.strip(), Decimal(1), path, line)
        raw, _, feedback = piece.partition("#")
        value, tolerance = numerical_answer(_clean(raw), path, line)
        question.choices.append(
            ParsedChoice(text=value, fraction=weight, feedback=_text(feedback), tolerance=tolerance)
        )
    if not any(c.fraction == 1 for c in question.choices):
        raise FormatError(path, line, "a numerical question needs an answer worth 100%")


def check_matching(question: ParsedQuestion, path: str, line: int | None) -> None:
    """At least two items, each with its answer; items without text are extra wrong answers."""
    question.kind = "matching"
    items = [c for c in question.choices if c.text]
    if len(items) < 2:
        raise FormatError(path, line, "a matching question needs at least two items with answers")
    for choice in question.choices:
        if not choice.match:
            raise FormatError(
                path, line, f"the matching item {choice.text[:40]!r} has no answer after '->'"
            )
        choice.fraction = Decimal(1) if choice.text else Decimal(0)


def _parse_matching(question: ParsedQuestion, answer: str, path: str, line: int) -> None:
    """{=item -> answer =item -> answer ...}; "= -> answer" adds an extra wrong answer."""
    for piece in answer.split("=")[1:]:
        item, arrow, match = piece.partition("->")
        if not arrow:
            raise FormatError(
                path, line, f"matching pair {_clean(piece)!r} has no '->' (write =item -> answer)"
            )
        question.choices.append(ParsedChoice(text=_text(item), match=_clean(match)))
    check_matching(question, path, line)


def _weight(piece: str, default: Decimal, path: str, line: int) -> tuple[Decimal, str]:
    match = WEIGHT_PATTERN.match(piece)
    if not match:
        return default, piece
    return parse_weight(match.group(1), path, line), piece[match.end() :]


def _parse_choices(question: ParsedQuestion, answer: str, path: str, line: int) -> None:
    pieces = re.split(r"(?=[~=])", answer)
    if pieces[0].strip():
        raise FormatError(
            path,
            line,
            f"text {_clean(pieces[0])!r} before the first answer: start each answer with = or ~",
        )
    single = "=" in answer
    for piece in pieces[1:]:
        marker, rest = piece[0], piece[1:].strip()
        if marker == "=":
            fraction = Decimal(1)
        else:
            fraction, rest = _weight(rest, Decimal(0), path, line)
        choice_text, _, feedback = rest.partition("#")
        choice = ParsedChoice(text=_text(choice_text), fraction=fraction, feedback=_text(feedback))
        if not choice.text:
            raise FormatError(path, line, f"an empty answer after '{marker}'")
        question.choices.append(choice)
    question.kind = "single" if single else "multiple"
    check_choices(question, path)
