"""Fill in the blank: the learner types a term; it is right when it folds to an accepted answer
(answers.fold: width, case, spaces and trailing punctuation do not count)."""

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import answers
from ..rules import ANSWER_LENGTH, BLANK, message
from .base import AnswerRefused, Flow, Rows, Type, report, texts_of, too_long

FILL = "fill"  # the stored name (Question.type, YAML)
MAX_TEXT = 200  # the longest answer a learner may type (the input's maxlength)


@dataclass(frozen=True)
class FillKey:
    """What counts as right: the accepted answers, as authored (folded when compared)."""

    accepted: tuple = ()
    type: str = FILL


class AcceptedAnswerRows(Rows):
    field = "answers"  # [text]
    relation = "accepted_answers"
    admin_fields = ["text"]
    admin_label = _("Accepted answers (fill in the blank)")

    def read(self, question):
        return [a.text for a in question.accepted_answers.all()]

    def write(self, question, values):
        model = question.accepted_answers.model
        model.objects.bulk_create(model(question=question, text=a) for a in values)

    def from_form(self, rows):
        return [r.get("text") or "" for r in rows]


class FillIn(Type):
    name = FILL
    label = _("Fill in the blank")
    short = "fill"
    rows = AcceptedAnswerRows()
    yaml_fields = frozenset({"answers"})
    gift_order = 30
    submit_hint = _("Enter checks")

    def prompt_problems(self, prompt):
        """A fill-in prompt shows the learner where the missing word goes."""
        if prompt.strip() and BLANK not in prompt:
            return [message(_("a fill prompt marks its blank with %(blank)s"), blank=BLANK)]
        return []

    def answer_problems(self, accepted):
        accepted = list(accepted)
        problems = []
        if not accepted:
            problems.append(_("a fill-in question needs at least one accepted answer"))
        if any(not a.strip() for a in accepted):
            problems.append(_("every accepted answer needs text"))
        if len({answers.plain_form(a) for a in accepted}) != len(accepted):
            problems.append(_("two accepted answers are the same once normalized (case, width, punctuation)"))
        problems += too_long(
            _("an accepted answer may be at most %(max)d characters long (the longest has %(n)d)"),
            accepted, ANSWER_LENGTH)
        return problems

    def read_yaml(self, check, q, spec):
        raw, line = check.sequence(q, "answers", _("a question"))
        accepted = texts_of(check, raw, line, _("every accepted answer must be non-empty text"))
        report(check, line, self.answer_problems(accepted))
        spec.answers = accepted

    def yaml_entry(self, content):
        return {"answers": Flow(content["answers"])}

    def right_texts(self, content):
        return list(content.get("answers", []))

    # --- GIFT -------------------------------------------------------------------------------------
    def gift_read(self, block):
        """`{=answer =other form}` (short answer)."""
        if block.numeric:
            return None
        listed = block.listed()
        if listed is None:
            return False
        if {a[0] for a in listed} != {"="}:
            return None
        block.spec.type = self.name
        kept = {}  # plain form -> the answer kept
        for _marker, weight, text, _fb in listed:
            if (weight is None or weight == 100) and answers.plain_form(text) in kept:
                # Moodle exports list case and width variants (`=Transformer =transformer`); ours fold them.
                block.warning(message(
                    _("'%(answer)s' is the same accepted answer as '%(kept)s' once case, width and punctuation "
                      "are folded: merged into one"),
                    answer=text, kept=kept[answers.plain_form(text)]))
            elif weight is None or weight == 100:
                kept[answers.plain_form(text)] = text
                block.spec.answers.append(text)
            else:
                block.warning(message(
                    _("'%(answer)s' earns partial credit in GIFT; a fill-in answer is right or wrong, so it is "
                      "dropped"),
                    answer=text))
        return True

    def gift_adjust(self, spec):
        if BLANK not in spec.prompt:
            # Moodle puts the answer box where the block is; our fill-in prompts mark that place with ____.
            spec.prompt = f"{spec.prompt} {BLANK}"
            return message(_("a fill-in question marks its blank with %(blank)s: added at the end of the question"),
                           blank=BLANK)
        return None

    def gift_body(self, content, escape):
        return [f"={escape(a)}" for a in content["answers"]]

    # --- Serving and checking ---------------------------------------------------------------------
    def frozen_copy(self, question, rng):
        return {}

    def right_answer(self, question):
        return {"accepted": [a.text for a in question.accepted_answers.all()]}

    def answer_key(self, question):
        return FillKey(accepted=tuple(a.text for a in question.accepted_answers.all()))

    def check(self, key, given):
        if not isinstance(given, str):
            raise answers.InvalidAnswer("expected text")
        typed = answers.normalize(given)
        return answers.whole(bool(typed) and any(typed == answers.normalize(a) for a in key.accepted))

    def parse_answer(self, shown, post):
        text = post.get("text", "")
        if len(text) > MAX_TEXT:
            raise AnswerRefused(gettext("That answer is too long (at most %(n)d characters).") % {"n": MAX_TEXT})
        if not text.strip():
            raise AnswerRefused(gettext("Type an answer first."))
        return text

    def sample_answer(self, key, right):
        return key.accepted[0] if right else "不知道"

    def feedback(self, asked, right, given, response):
        accepted = right.get("accepted", [])
        return {
            "yours": [(given, response.correct)],
            "correct_answer": accepted[:1],
            "also_accepted": accepted[1:],
            # A typo in a long answer is still wrong, but the learner sees it was a slip, not a gap (as in Anki).
            "near_miss": (answers.near_miss(accepted, given)
                          if not response.correct and isinstance(given, str) else None),
        }

    def describe_answer(self, asked, given):
        return answers.plain_form(str(given)) or "—"

