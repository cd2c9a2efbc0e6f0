"""Public pages of the AI register: the published pre-use notices, each with its opt-out link. Thin."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from admt import selectors
from admt.models import AutomatedSystem

# The residence a CCPA ADMT link files for (the ADMT opt-out and access are California rights).
CALIFORNIA = {"country": "US", "subdivision": "CA"}


def _form_link(right: str, automated_system: AutomatedSystem) -> str:
    query = urlencode({**CALIFORNIA, "right": right, "system": automated_system.pk})
    return f"{reverse('requests_app:request_form')}?{query}"


def rights_links(automated_system: AutomatedSystem) -> list[dict[str, str]]:
    """The links a notice carries, each titled with what it does for this system."""
    name = automated_system.public_name
    links = []
    if automated_system.exception == "none":
        links.append({"right": "admt_opt_out", "url": _form_link("admt_opt_out", automated_system),
                      "title": _("Opt out of automated decision-making by %(name)s") % {"name": name}})
    elif automated_system.exception == "human_appeal":
        links.append({"right": "admt_appeal", "url": _form_link("admt_appeal", automated_system),
                      "title": _("Appeal a decision made with %(name)s to a human reviewer") % {"name": name}})
    links.append({"right": "admt_access", "url": _form_link("admt_access", automated_system),
                  "title": _("Ask how %(name)s was used about you") % {"name": name}})
    return links


@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """Every automated system's current pre-use notice."""
    return render(request, "admt/notices.html", {"notices": selectors.notices_published()})


@require_GET
def notice(request: HttpRequest, system_id: int, version: int | None = None) -> HttpResponse:
    """One system's pre-use notice: the current version, or an older published one (404 for anything else)."""
    if system_id > 2**31 - 1 or (version is not None and version > 2**31 - 1):
        raise Http404("No such notice")
    found = (selectors.notice_current(automated_system_id=system_id) if version is None
             else selectors.notice_version(automated_system_id=system_id, version=version))
    if found is None:
        raise Http404("No such notice")
    current = found if version is None else selectors.notice_current(automated_system_id=system_id)
    return render(request, "admt/notice.html", {
        "notice": found, "automated_system": found.automated_system, "is_current": found.pk == current.pk,
        "current": current, "paragraphs": [p.strip() for p in found.body.split("\n\n") if p.strip()],
        "links": rights_links(found.automated_system) if found.pk == current.pk else [],
    })
