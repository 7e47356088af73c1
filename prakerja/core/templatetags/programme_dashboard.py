from typing import Any

from django import template
from django.conf import settings

from prakerja.core.dashboard import dashboard_for

register = template.Library()


@register.inclusion_tag("admin/dashboard/dashboard.html", takes_context=True)
def programme_dashboard(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "shown": dashboard_for(request.user),
        "refresh_minutes": settings.DASHBOARD_REFRESH_S // 60,
        "csrf_token": context.get("csrf_token"),
    }
