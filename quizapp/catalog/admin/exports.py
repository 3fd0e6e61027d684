"""The question admin's export actions and export page, and the download they answer with."""

import io
import zipfile

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import authoring
from ..models import Section
from .forms import ExportForm


class QuestionExportViews:
    """Mixed into QuestionAdmin, which routes `export/` here and lists the actions."""

    # Export
    @admin.action(description=_("Export selected as GIFT"), permissions=["view"])
    def export_gift(self, request, queryset):
        text, skipped = authoring.export_gift(queryset)
        if skipped:
            note = gettext("Ordering questions have no GIFT form and were left out:")
            text = f"// {note} {', '.join(skipped)}\n\n" + text
        return _download(text, "questions.gift", "text/plain")

    @admin.action(description=_("Export selected as YAML (content/ format)"), permissions=["view"])
    def export_yaml(self, request, queryset):
        tops = {
            s.top.key
            for s in Section.objects.filter(pk__in=queryset.values("section")).select_related("parent")
        }
        if len(tops) != 1:
            self.message_user(
                request,
                gettext(
                    "A YAML bank file holds one top-level section: select questions of "
                    "one top-level section, or export as GIFT."
                ),
                messages.ERROR,
            )
            return None
        top = Section.objects.get(key=tops.pop())
        return _download(
            authoring.export_yaml_section(top, questions=queryset), f"{top.key}.yaml", "application/yaml"
        )

    def export_view(self, request):
        if not (self.has_view_permission(request) and request.user.has_perm("catalog.view_flashcard")):
            raise PermissionDenied
        form = ExportForm(
            request.GET if "format" in request.GET else None,
            initial={"format": request.GET.get("initial", "yaml")},
        )
        if form.is_bound and form.is_valid():
            section, fmt = form.cleaned_data["section"], form.cleaned_data["format"]
            name = section.key if section else "bank"
            if fmt == "gift":
                text, _skipped = authoring.export_gift(authoring.questions_in(section))
                return _download(text, f"{name}.gift", "text/plain")
            if fmt == "csv":
                return _download(
                    authoring.export_flashcards_csv(authoring.flashcards_in(section)),
                    f"{name}-flashcards.csv",
                    "text/csv",
                )
            if section:
                return _download(
                    authoring.export_yaml_section(section), f"{section.key}.yaml", "application/yaml"
                )
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for filename, text in authoring.export_yaml_all().items():
                    archive.writestr(f"content/{filename}", text)
            response = HttpResponse(buffer.getvalue(), content_type="application/zip")
            response["Content-Disposition"] = 'attachment; filename="content.zip"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": gettext("Export"),
        }
        return TemplateResponse(request, "admin/catalog/export.html", context)


def _download(text: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
