"""Ordering and matching: a few items the learner puts in order, or pairs with their partners."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import zip_longest

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quizapp.whole_numbers import whole_number

from .. import answers
from ..rules import ITEM_LENGTH, PAIR_LENGTH, message
from .base import AnswerRefused, FlowMap, Rows, Type, report, texts_of, too_long, whole

ORDERING, MATCHING = "ordering", "matching"  # the stored names (Question.type, YAML)
MIN_ITEMS, MAX_ITEMS = 3, 6  # ordering items and matching pairs


@dataclass(frozen=True)
class OrderingKey:
    order: tuple = ()  # the ordering-item ids in the right order
    type: str = ORDERING


@dataclass(frozen=True)
class MatchingKey:
    pairs: tuple = ()  # the pair ids: a left item is right beside its own pair's right item
    type: str = MATCHING


def _count_problems(template, n: int) -> list:
    """The ordering/matching size rule: MIN_ITEMS to MAX_ITEMS rows; `template` names them."""
    if MIN_ITEMS <= n <= MAX_ITEMS:
        return []
    return [message(template, min=MIN_ITEMS, max=MAX_ITEMS, n=n)]


class OrderItemRows(Rows):
    field = "items"  # [text] in the right order
    relation = "order_items"
    admin_fields = ["text", "position"]
    admin_label = _("Items in the right order (ordering)")
    admin_optional = ("position",)

    def read(self, question):
        return [i.text for i in question.order_items.all()]

    def write(self, question, values):
        model = question.order_items.model
        # Positions count from 1, as the admin numbers rows left blank and as learners place items.
        model.objects.bulk_create(
            model(question=question, text=t, position=i) for i, t in enumerate(values, start=1))

    def from_form(self, rows):
        return [r.get("text") or "" for r in sorted(rows, key=lambda r: r.get("position") or 0)]

    def admin_clean(self, forms, in_use):
        """The rows are entered in the right order: a blank position takes the row's place; positions given
        must all differ (two items in one place would leave the right order to chance)."""
        places = set()
        for row, form in enumerate(forms, start=1):
            data = form.cleaned_data
            if data.get("position") is None:
                data["position"] = form.instance.position = row
            if data["position"] in places and in_use:
                raise ValidationError(
                    _("Two items share position %(n)d: give each item its own place, or leave the positions "
                      "empty to use the rows' order.") % {"n": data["position"]})
            places.add(data["position"])


class Ordering(Type):
    name = ORDERING
    label = _("Ordering")
    short = "order"
    rows = OrderItemRows()
    yaml_fields = frozenset({"items"})

    def answer_problems(self, items):
        items = list(items)
        problems = _count_problems(_("an ordering question needs %(min)d to %(max)d items (has %(n)d)"), len(items))
        if len({i.strip() for i in items}) != len(items):
            problems.append(_("two items have the same text"))
        problems += too_long(
            _("an item may be at most %(max)d characters long (the longest has %(n)d)"), items, ITEM_LENGTH)
        return problems

    def read_yaml(self, check, q, spec):
        raw, line = check.sequence(q, "items", _("a question"))
        items = texts_of(check, raw, line, _("every item must be non-empty text"))
        report(check, line, self.answer_problems(items))
        spec.items = items

    def yaml_entry(self, content):
        return {"items": list(content["items"])}

    def right_texts(self, content):
        return list(content.get("items", []))

    def frozen_copy(self, question, rng):
        items = [{"id": i.pk, "text": i.text} for i in question.order_items.all()]
        right = [i["id"] for i in items]
        for _attempt in range(10):  # never show the items already in the right order
            rng.shuffle(items)
            if [i["id"] for i in items] != right or len(items) < 2:
                break
        return {"items": items}

    def right_answer(self, question):
        return {"order": [i.text for i in question.order_items.all()]}

    def answer_key(self, question):
        return OrderingKey(order=tuple(i.pk for i in question.order_items.all()))

    def check(self, key, given):
        """Score: the share of items standing in their right place."""
        if not isinstance(given, Sequence) or isinstance(given, str):
            raise answers.InvalidAnswer("expected an order of items")
        given = tuple(given)
        if sorted(given) != sorted(key.order):
            raise answers.InvalidAnswer("the order must contain every item exactly once")
        in_place = sum(1 for a, b in zip(given, key.order) if a == b)
        return answers.Outcome(given == key.order, in_place / len(key.order))

    def parse_answer(self, shown, post):
        items = shown.get("items", [])
        positions = {}
        for item in items:
            raw = post.get(f"pos_{item['id']}")
            if raw is None:
                raise AnswerRefused(gettext("Give every item a position."))
            position = whole(raw)
            if not 1 <= position <= len(items):
                raise AnswerRefused(gettext("That answer is not one this question offers; nothing was recorded."))
            positions[item["id"]] = position
        if len(set(positions.values())) != len(items):
            raise AnswerRefused(gettext("Use each position once."))
        return [item_id for item_id, _p in sorted(positions.items(), key=lambda kv: kv[1])]

    def sample_answer(self, key, right):
        order = list(key.order)
        return order if right else order[1:] + order[:1]

    def question_context(self, shown, values):
        items = shown.get("items", [])
        return {
            "order_items": [{"id": i["id"], "text": i["text"],
                             "position": whole_number(values.get(f"pos_{i['id']}")) or n}
                            for n, i in enumerate(items, start=1)],
            "positions": list(range(1, len(items) + 1)),
        }

    def feedback(self, asked, right, given, response):
        """Each item in the learner's order, marked in its place or not (the score counts exactly these),
        and `compare_rows` (place, the learner's item, in place?, the right item there) for the feedback's
        table that sets the two orders side by side. Item texts are unique, so texts compare as ids do."""
        text = {i["id"]: i["text"] for i in asked.get("items", [])}
        yours = [text.get(i, "?") for i in given]
        order = list(right.get("order", []))
        rows = [(place, mine, mine == theirs, theirs)
                for place, (mine, theirs) in enumerate(zip_longest(yours, order, fillvalue="?"), start=1)]
        return {"yours": [(mine, in_place) for _place, mine, in_place, _theirs in rows],
                "correct_answer": order,
                "compare_rows": rows}

    def describe_answer(self, asked, given):
        texts = {i["id"]: i["text"] for i in asked.get("items", [])}
        return " → ".join(texts.get(i, "?") for i in given)


class MatchPairRows(Rows):
    field = "pairs"  # [(left, right)]
    relation = "match_pairs"
    admin_fields = ["left", "right", "order"]
    admin_label = _("Pairs (matching)")

    def read(self, question):
        return [(p.left, p.right) for p in question.match_pairs.all()]

    def write(self, question, values):
        model = question.match_pairs.model
        model.objects.bulk_create(
            model(question=question, left=left, right=right, order=i) for i, (left, right) in enumerate(values))

    def from_form(self, rows):
        return [(r.get("left") or "", r.get("right") or "") for r in rows]

    def normalised(self, values):
        return [tuple(v) for v in values]


class Matching(Type):
    name = MATCHING
    label = _("Matching")
    short = "match"
    rows = MatchPairRows()
    yaml_fields = frozenset({"pairs"})
    gift_order = 20

    def answer_problems(self, pairs):
        """`pairs` is [(left, right)]."""
        pairs = list(pairs)
        problems = _count_problems(_("a matching question needs %(min)d to %(max)d pairs (has %(n)d)"), len(pairs))
        lefts, rights = [p[0].strip() for p in pairs], [p[1].strip() for p in pairs]
        if len(set(lefts)) != len(lefts) or len(set(rights)) != len(rights):
            problems.append(_("left items must differ from each other, and so must right items"))
        problems += too_long(
            _("a matching item may be at most %(max)d characters long (the longest has %(n)d)"),
            lefts + rights, PAIR_LENGTH)
        return problems

    def read_yaml(self, check, q, spec):
        raw, line = check.sequence(q, "pairs", _("a question"))
        for item in raw:
            pair = check.mapping(item, line, _("a pair"))
            if pair is None:
                continue
            check.unknown_fields(pair, {"left", "right"}, _("a pair"))
            left, right = check.text(pair, "left", pair.line), check.text(pair, "right", pair.line)
            if left and right:
                spec.pairs.append((left, right))
        report(check, line, self.answer_problems(spec.pairs))

    def yaml_entry(self, content):
        return {"pairs": [FlowMap(left=left, right=right) for left, right in content["pairs"]]}

    def right_texts(self, content):
        return [f"{left} → {r}" for left, r in content.get("pairs", [])]

    def gift_read(self, block):
        """`{=left -> right ...}`."""
        if block.numeric:
            return None
        listed = block.listed()
        if listed is None:
            return False
        if {a[0] for a in listed} != {"="} or not any("->" in text for _, _, text, _ in listed):
            return None
        if not all("->" in text for _, _, text, _ in listed):
            block.problem(_("in a matching question every answer is '=left -> right'"))
            return False
        block.spec.type = self.name
        pairs = [tuple(part.strip() for part in text.split("->", 1)) for _, _, text, _ in listed]
        if any(not right for _left, right in pairs):
            block.problem(_("every matching pair needs a right item after '->'"))
            return False
        for _left, right in [p for p in pairs if not p[0]]:
            # Moodle's `= -> answer` is an extra wrong answer; here every right item has its left one.
            block.warning(message(
                _("'= -> %(right)s' is an extra wrong answer, which a matching question here does not have: "
                  "dropped"), right=right))
        block.spec.pairs = [p for p in pairs if p[0]]
        return True

    def gift_body(self, content, escape):
        return [f"={escape(left)} -> {escape(right)}" for left, right in content["pairs"]]

    def frozen_copy(self, question, rng):
        pairs = list(question.match_pairs.all())
        rights = [{"id": p.pk, "text": p.right} for p in pairs]
        rng.shuffle(rights)
        return {"lefts": [{"id": p.pk, "text": p.left} for p in pairs], "rights": rights}

    def right_answer(self, question):
        return {"pairs": [[p.left, p.right] for p in question.match_pairs.all()]}

    def answer_key(self, question):
        return MatchingKey(pairs=tuple(p.pk for p in question.match_pairs.all()))

    def check(self, key, given):
        """Score: the share of left items paired with their own right item."""
        if not isinstance(given, Mapping):
            raise answers.InvalidAnswer("expected pairs")
        pairs = set(key.pairs)
        if set(given) != pairs or not set(given.values()) <= pairs:
            raise answers.InvalidAnswer("every left item needs one right item of this question")
        right = sum(1 for left, chosen in given.items() if left == chosen)
        return answers.Outcome(right == len(pairs), right / len(pairs))

    def parse_answer(self, shown, post):
        given = {}
        for left in shown.get("lefts", []):
            raw = post.get(f"match_{left['id']}")
            if not raw:
                raise AnswerRefused(gettext("Match every item."))
            given[left["id"]] = whole(raw)
        return given

    def sample_answer(self, key, right):
        pairs = list(key.pairs)
        return {p: p for p in pairs} if right else dict(zip(pairs, pairs[1:] + pairs[:1]))

    def question_context(self, shown, values):
        """The right-hand answers are listed in full under letters (a long answer wraps there; a select's
        closed box would cut it), and each select offers them by letter and text."""
        return {
            "lefts": [{**left, "chosen": whole_number(values.get(f"match_{left['id']}"))}
                      for left in shown.get("lefts", [])],
            "rights": [{**right, "letter": chr(ord("A") + n)} for n, right in enumerate(shown.get("rights", []))],
        }

    def feedback(self, asked, right, given, response):
        # A pair is right when the right-hand item is the left's own (they share an id).
        lefts = {str(i["id"]): i["text"] for i in asked.get("lefts", [])}
        rights = {i["id"]: i["text"] for i in asked.get("rights", [])}
        return {"yours": [(f"{lefts.get(k, '?')} → {rights.get(v, '?')}", str(v) == k) for k, v in given.items()],
                "correct_answer": [f"{left} → {r}" for left, r in right.get("pairs", [])]}

    def describe_answer(self, asked, given):
        lefts = {p["id"]: p["text"] for p in asked.get("lefts", [])}
        rights = {p["id"]: p["text"] for p in asked.get("rights", [])}
        wrong = [f"{lefts.get(int(k), '?')} ↔ {rights.get(v, '?')}" for k, v in given.items() if int(k) != v]
        return "; ".join(wrong) or "—"
