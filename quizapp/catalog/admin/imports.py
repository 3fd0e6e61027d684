"""The question admin's import page: upload, see what would happen, confirm."""

from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext

from .. import authoring
from ..exchange import UnreadableFile, decode, guess_format
from ..models import Status
from .actions import _log
from .forms import ConfirmImportForm, ImportForm


class QuestionImportViews:
    """Mixed into QuestionAdmin, which routes `import/` here."""

    # Import: upload, see what would happen, confirm.
    def import_view(self, request):
        if not (self.has_add_permission(request) and request.user.has_perm("catalog.add_flashcard")):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": gettext("Import")}
        if request.method == "POST" and "confirm" in request.POST:
            confirm = ConfirmImportForm(request.POST)
            if not confirm.is_valid():
                raise PermissionDenied
            held = authoring.import_held(user=request.user, token=confirm.cleaned_data["token"])
            if held is None:
                self.message_user(request, gettext("That upload is no longer held (an hour has passed, or it "
                                                   "was not yours): choose the file again."), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:catalog_question_import"))
            return self._import_confirm(request, held, context)
        form = ImportForm(
            request.POST or None, request.FILES or None, initial={"format": request.GET.get("format", "")}
        )
        if form.is_bound and form.is_valid():
            upload = form.cleaned_data["file"]
            fmt = form.cleaned_data["format"] or guess_format(upload.name)
            section = form.cleaned_data["section"].key if form.cleaned_data["section"] else ""
            if fmt is None:
                form.add_error("format", gettext("Choose the format: the file name does not say."))
            else:
                try:
                    text = decode(upload.read())
                except UnreadableFile as exc:
                    form.add_error("file", str(exc.problem))
                else:
                    parsed = authoring.import_read(
                        text, format=fmt, section=section or None, name=upload.name
                    )
                    draft = form.cleaned_data["status"] != Status.PUBLISHED
                    update = form.cleaned_data["update"]
                    plan = authoring.import_plan(parsed, update=update, draft=draft)
                    # Held only when there is something to confirm: a file with problems is just reported.
                    held = (authoring.import_hold(user=request.user, text=text, name=upload.name, format=fmt,
                                                  section=section, draft=draft, update=update)
                            if plan.ok and plan.writes else None)
                    return self._import_preview(request, plan, held, context, name=upload.name, draft=draft)
        context["form"] = form
        return TemplateResponse(request, "admin/catalog/import.html", context)

    def _import_preview(self, request, plan, held, context, *, name, draft):
        context.update(
            plan=plan,
            confirm=ConfirmImportForm(initial={"token": held.token}) if held else None,
            options={"name": name, "draft": draft},
            title=gettext("Import: check before confirming"),
        )
        return TemplateResponse(request, "admin/catalog/import.html", context)

    def _import_confirm(self, request, held, context):
        parsed = authoring.import_read(
            held.text,
            format=held.format,
            section=held.section or None,
            name=held.name,
        )
        try:
            plan = authoring.import_apply(
                parsed=parsed, update=held.update, draft=held.draft, user=request.user
            )
        except authoring.ImportConflict as exc:
            self.message_user(request, str(exc), messages.ERROR)
            plan = authoring.import_plan(parsed, update=held.update, draft=held.draft)
        else:
            if plan.ok:
                message = gettext("Imported from %(name)s.") % {"name": held.name}
                _log(request, plan.created_questions + plan.created_cards, ADDITION, message)
                _log(request, plan.updated_questions + plan.updated_cards, CHANGE, message)
                counts = plan.counts
                if plan.writes:
                    self.message_user(
                        request,
                        gettext(
                            "Import done: %(create)d created, %(update)d updated, %(unchanged)d unchanged, "
                            "%(reject)d not imported."
                        )
                        % counts,
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request,
                        gettext(
                            "Nothing to import: everything in this file is already "
                            "there (or was not imported)."
                        ),
                        messages.WARNING,
                    )
                target = "flashcard" if held.format == "csv" else "question"
                return HttpResponseRedirect(reverse(f"admin:catalog_{target}_changelist"))
        return self._import_preview(request, plan, held if plan.ok and plan.writes else None, context,
                                    name=held.name, draft=held.draft)
