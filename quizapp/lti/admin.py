"""Platform registrations in the admin, for superusers only (teachers are staff too, and may not register
platforms): django-lti's registration admin with quizapp's frame origins beside its deployments, and the
classes tied to LMS courses."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from lti_tool.admin import LtiDeploymentInline, LtiRegistrationAdmin
from lti_tool.models import LtiRegistration

from .models import FrameOrigin


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class FrameOriginInline(SuperuserOnly, admin.TabularInline):
    model = FrameOrigin
    extra = 1


class DeploymentInline(SuperuserOnly, LtiDeploymentInline):
    fields = ["deployment_id", "is_active"]
    extra = 1


admin.site.unregister(LtiRegistration)


@admin.register(LtiRegistration)
class RegistrationAdmin(SuperuserOnly, LtiRegistrationAdmin):
    inlines = [DeploymentInline, FrameOriginInline]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": _("LTI registrations")}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("Setup values"))
    def setup_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("lti:setup"), _("Values for Moodle and Canvas"))

    list_display = [*LtiRegistrationAdmin.list_display, "setup_link"]
