"""Deep linking: the instructor's choice, and the signed LtiDeepLinkingResponse that carries it to the LMS
(signed by pylti1p3 with the tool's newest key)."""

import zoneinfo

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from quizapp.catalog.models import Section
from quizapp.classes.models import Assignment

from .models import LinkTarget
from .targets import CUSTOM_PARAMETER, MANY_SECTIONS, Target

Kind = LinkTarget.Kind
GRADED_KINDS = {Kind.SECTION_QUIZ, Kind.MIXED_QUIZ, Kind.MASTERY}
SCORE_MAXIMUM = 100


class ChoiceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The activity opens"), choices=Kind.choices,
                             widget=forms.RadioSelect)
    section = forms.SlugField(label=gettext_lazy("Section"), required=False)
    sections = forms.MultipleChoiceField(label=gettext_lazy("Sections of the mixed quiz or of the mastery grade"),
                                         required=False,
                                         choices=(), widget=forms.CheckboxSelectMultiple)
    assignment = forms.TypedChoiceField(label=gettext_lazy("Assignment of your class"), coerce=int, required=False,
                                        choices=(), empty_value=None)

    def __init__(self, *args, classroom=None, **kwargs):
        """`classroom`: the instructor's class for this LMS course, whose assignments the link may open."""
        super().__init__(*args, **kwargs)
        self.classroom = classroom
        self.fields["sections"].choices = [(s.key, s.title) for s in Section.objects.leaves().order_by("order")]
        self.assignments = list(classroom.assignments.order_by("due_at", "pk")) if classroom is not None else []
        self.fields["assignment"].choices = [(a.pk, assignment_label(a)) for a in self.assignments]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Kind.ASSIGNMENT:
            if data.get("assignment") is None:
                raise forms.ValidationError(_("Choose one of your class's assignments."))
        elif kind in MANY_SECTIONS:
            if not data.get("sections"):
                raise forms.ValidationError(_("Tick at least one section for a mixed quiz or a mastery grade."))
        elif kind:
            if not data.get("section") or not Section.objects.filter(key=data["section"]).exists():
                raise forms.ValidationError(_("Choose a section."))
        return data

    def target(self) -> Target:
        kind = self.cleaned_data["kind"]
        if kind == Kind.ASSIGNMENT:
            return Target(kind=kind, section_keys=(), assignment_id=self.cleaned_data["assignment"],
                          classroom_id=self.classroom.pk)
        keys = self.cleaned_data["sections"] if kind in MANY_SECTIONS else [self.cleaned_data["section"]]
        return Target(kind=kind, section_keys=tuple(keys))


def assignment_label(assignment: Assignment) -> str:
    """"A quiz of 10 questions, due 2026/12/10 18:00": the due time in the class's time zone."""
    due = timezone.localtime(assignment.due_at, zoneinfo.ZoneInfo(assignment.classroom.time_zone))
    return _("%(what)s, due %(due)s") % {"what": assignment.what,
                                         "due": formats.date_format(due, "SHORT_DATETIME_FORMAT")}


def title(target: Target) -> str:
    if target.kind == Kind.ASSIGNMENT:
        assignment = Assignment.objects.select_related("classroom").get(pk=target.assignment_id)
        return f"quizapp: {assignment.classroom.name} · {assignment.what}"[:250]
    titles = dict(Section.objects.filter(key__in=target.section_keys).values_list("key", "title"))
    names = "、".join(titles[k] for k in target.section_keys)
    return f"quizapp: {names} · {Kind(target.kind).label}"[:250]


def response_jwt(lti_launch, *, target: Target, launch_url: str) -> str:
    resource = (DeepLinkResource().set_url(launch_url).set_title(title(target))
                .set_custom_params({CUSTOM_PARAMETER: target.as_custom()}))
    if target.kind in GRADED_KINDS:  # quizzes and mastery have a score: the LMS makes a gradebook column
        resource.set_lineitem(LineItem().set_score_maximum(SCORE_MAXIMUM).set_label(title(target))
                              .set_resource_id(target.as_custom()))
    return lti_launch.get_message_launch().get_deep_link().get_response_jwt([resource])


def return_url(lti_launch) -> str:
    settings_claim = lti_launch.get_claim("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings")
    return settings_claim["deep_link_return_url"]
