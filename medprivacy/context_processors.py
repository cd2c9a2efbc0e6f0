from django.conf import settings
from django.http import HttpRequest

from medprivacy.middleware import LANGUAGE_QUERY_PARAMETER

# The pages search engines may index get hreflang alternates (their own URL with ?lang=). Pages reached
# through a secret link (status, verification, downloads) never repeat their address in the page.
INDEXABLE_VIEWS = frozenset({"home", "requests_app:request_form", "requests_app:new_link", "consents:request_link"})


def company(request: HttpRequest) -> dict[str, str]:
    return {"company_name": settings.COMPANY_NAME, "privacy_email": settings.PRIVACY_CONTACT_EMAIL}


def languages(request: HttpRequest) -> dict[str, object]:
    """The language switcher's choices, and the hreflang alternates of an indexable page."""
    choices = [{"code": code, "name": name} for code, name in settings.LANGUAGES]
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in INDEXABLE_VIEWS:
        return {"language_choices": choices, "language_alternates": []}
    query = request.GET.copy()
    alternates = []
    for code, name in settings.LANGUAGES:
        query[LANGUAGE_QUERY_PARAMETER] = code
        url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        alternates.append({"code": code, "name": name, "url": url})
    return {"language_choices": choices, "language_alternates": alternates}
