"""The attempt page's questions: each form rendered once per process, then filled in per learner.

A question's form (quizzes/_question_form.html: its text, choices and inputs) depends only on the
question as the attempt shows it (``Response.shown``), the order of its choices, the feedback mode
and the language. The learner's own values (the response id in names and ids, the boxes checked,
the text typed, the pairs picked) are rendered as slots, characters of Unicode's private use area
that the template leaves alone, and ``_fill`` puts the values in their place: one regular
expression pass instead of a template render per question and request.

Invariants (tests/quizzes/test_fragments.py):

- A filled form is exactly the form the template renders with the learner's values themselves.
  A question whose text holds a slot character is rendered that way, never kept.
- A kept form's key holds everything the form depends on besides the slots (the snapshot's stored
  text, the choice order, the feedback mode, the language), so nothing needs invalidating: a
  question changed in the bank is another snapshot, another key. Past ``MAX_FORMS`` the forms
  are dropped and rendered again as pages need them.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import defaultdict
from types import SimpleNamespace

from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from lms.core import compiled

from .models import Response, ResponseChoice

TEMPLATE = "quizzes/_question_form.html"
MAX_FORMS = 4000

# The slots: the response id; "checked" of a choice; the text answer; "selected" of a matching
# item's option; "checked" of true and of false.
PK = "\ue000"
ANSWER = "\ue002"
_SLOT = re.compile("\ue000|\ue001(\\d+)\ue001|\ue002|\ue003(\\d+):(\\d+)\ue003|\ue004(\\w+)\ue004")
_SLOT_CHARS = re.compile("[\ue000-\ue004]")

_lock = threading.Lock()
_forms: dict[tuple, tuple[tuple[str, ...], SafeString]] = {}


class _Slots:
    """The learner's values as slots."""

    pk = PK
    answer = ANSWER

    @staticmethod
    def checked(choice_id: int) -> str:
        return f"\ue001{choice_id}\ue001"

    @staticmethod
    def selected(item_id: int, index: int) -> str:
        return f"\ue003{item_id}:{index}\ue003"

    @staticmethod
    def truefalse(value: str) -> str:
        return f"\ue004{value}\ue004"


class _Values:
    """One learner's values, written in place (the form rendered without slots)."""

    def __init__(self, response: Response, chosen: set[int], pairs: dict[int, str], options):
        self.pk = response.pk
        self.answer = response.text_answer
        self._response, self._chosen, self._pairs, self._options = response, chosen, pairs, options

    def checked(self, choice_id: int) -> str:
        return " checked" if choice_id in self._chosen else ""

    def selected(self, item_id: int, index: int) -> str:
        return " selected" if self._pairs.get(item_id) == self._options[index] else ""

    def truefalse(self, value: str) -> str:
        return " checked" if self._response.text_answer == value else ""


def _context(shown: dict, choice_order: list[int], values) -> SimpleNamespace:
    by_id = {c["id"]: c for c in shown.get("choices", [])}
    options = shown.get("options", [])
    return SimpleNamespace(
        pk=values.pk,
        kind=shown.get("kind", ""),
        text=shown.get("text", ""),
        text_format=shown.get("text_format", ""),
        choices=[
            SimpleNamespace(
                pk=cid,
                text=by_id[cid]["text"],
                checked=values.checked(cid),
                options=[(i, option, values.selected(cid, i)) for i, option in enumerate(options)],
            )
            for cid in choice_order
            if cid in by_id
        ],
        answer=values.answer,
        true_checked=values.truefalse("true"),
        false_checked=values.truefalse("false"),
    )


def _render(context: SimpleNamespace, feedback_each: bool) -> SafeString:
    return render_to_string(TEMPLATE, {"r": context, "feedback_each": feedback_each})


def _pairs(text_answer: str) -> dict[int, str]:
    """Matching: item id -> the answer picked (``Response.matching_answer`` without the row)."""
    try:
        pairs = json.loads(text_answer) if text_answer else {}
    except ValueError:
        return {}
    if not isinstance(pairs, dict):
        return {}
    return {int(k): str(v) for k, v in pairs.items() if str(k).isdigit()}


def _fill(form: str, response: Response, chosen: set[int], options: tuple[str, ...]) -> str:
    pk = str(response.pk)
    answer = escape(response.text_answer)
    pairs = _pairs(response.text_answer) if options else {}

    def value(match: re.Match) -> str:
        slot = match.group(0)
        if slot == PK:
            return pk
        if slot == ANSWER:
            return answer
        if match.group(1) is not None:
            return " checked" if int(match.group(1)) in chosen else ""
        if match.group(2) is not None:
            index = int(match.group(3))
            picked = pairs.get(int(match.group(2)))
            return " selected" if index < len(options) and picked == options[index] else ""
        return " checked" if response.text_answer == match.group(4) else ""

    return _SLOT.sub(value, form)


def attempt_forms(responses: list[Response], *, feedback_each: bool) -> None:
    """Set ``form`` (the filled form) on each response of the attempt page that is not checked.

    The responses are read by ``attempt_responses``: with ``shown_json``, the snapshot as
    stored, and ``chosen_ids``."""
    language = get_language()
    keep = not settings.DEBUG  # templates edited while the server runs show at once
    for r in responses:
        if r.checked:
            continue
        key = (
            language,
            feedback_each,
            hashlib.blake2b(r.shown_json.encode(), digest_size=16).digest(),
            tuple(r.choice_order),
        )
        kept = _forms.get(key) if keep else None
        if kept is None:
            shown = decode_shown(r)
            if _holds_slots(shown):
                # The question's own text holds a slot character: render this one as it is.
                options = shown.get("options", [])
                values = _Values(r, r.chosen_ids, _pairs(r.text_answer), options)
                r.form = _render(_context(shown, r.choice_order, values), feedback_each)
                continue
            kept = (
                tuple(shown.get("options", [])),
                _render(_context(shown, r.choice_order, _Slots), feedback_each),
            )
            if keep:
                with _lock:
                    if len(_forms) >= MAX_FORMS:
                        _forms.clear()
                    _forms[key] = kept
        options, form = kept
        r.form = mark_safe(_fill(form, r, r.chosen_ids, options))  # noqa: S308 - escaped values


def attempt_responses(sitting) -> list[Response]:
    """The attempt's responses in order for its page, with the snapshot as stored
    (``shown_json``, decoded into ``shown`` only when read) and the chosen choice ids: one query,
    two once something is answered."""
    responses = compiled.fetch(
        "quizzes.attempt_responses",
        lambda pk: Response.objects.filter(sitting_id=pk)
        .defer("shown")
        .annotate(shown_json=Cast("shown", TextField()))
        .order_by("order", "pk"),
        [sitting.pk],
    )
    chosen: dict[int, set[int]] = defaultdict(set)
    answered = [r.pk for r in responses if r.answered_at is not None]
    if answered:
        for rid, cid in ResponseChoice.objects.filter(response_id__in=answered).values_list(
            "response_id", "choice_id"
        ):
            chosen[rid].add(cid)
    for r in responses:
        r.sitting = sitting
        r.chosen_ids = chosen.get(r.pk, set())
    return responses


def decode_shown(response: Response) -> dict:
    """The snapshot of a response read by ``attempt_responses`` (decoded once, when needed)."""
    if "shown" not in response.__dict__:
        response.shown = json.loads(response.shown_json)
    return response.shown


def _holds_slots(shown: dict) -> bool:
    texts = [shown.get("text", ""), *(c["text"] for c in shown.get("choices", []))]
    return any(_SLOT_CHARS.search(t) for t in [*texts, *shown.get("options", [])])


LEGEND = "quizzes/_question_legend.html"
_legends: dict[tuple, SafeString] = {}


def question_legends(responses: list[Response]) -> None:
    """Set ``legend`` (the question's number and points, quizzes/_question_legend.html) on each
    response of the attempt page, in order: rendered once per process for each language,
    number and points (two translations a question otherwise)."""
    language = get_language()
    keep = not settings.DEBUG
    for n, r in enumerate(responses, start=1):
        key = (language, n, str(r.points))
        legend = _legends.get(key) if keep else None
        if legend is None:
            legend = mark_safe(render_to_string(LEGEND, {"n": n, "points": r.points}).rstrip("\n"))  # noqa: S308 - a rendered template
            if keep:
                with _lock:
                    if len(_legends) >= MAX_FORMS:
                        _legends.clear()
                    _legends[key] = legend
        r.legend = legend


def attempt_page_responses(sitting, *, feedback_each: bool) -> list[Response]:
    """The attempt page's responses: the open ones with their filled ``form``, the checked ones
    (feedback after each answer) as the review shows them. One query, two once answered."""
    from .selectors import accepted_answers, response_as_shown

    responses = attempt_responses(sitting)
    checked = [r for r in responses if r.checked]
    for r in checked:
        decode_shown(r)
        response_as_shown(r, r.chosen_ids)
    accepted = accepted_answers(checked) if checked else {}
    for r in checked:
        r.accepted = accepted.get(r.question_id, [])
    attempt_forms(responses, feedback_each=feedback_each)
    question_legends(responses)
    return responses
