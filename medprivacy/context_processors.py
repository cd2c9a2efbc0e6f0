from django.conf import settings
from django.http import HttpRequest

from medprivacy.middleware import LANGUAGE_QUERY_PARAMETER


def company(request: HttpRequest) -> dict[str, str]:
    return {"company_name": settings.COMPANY_NAME, "privacy_email": settings.PRIVACY_CONTACT_EMAIL}


def languages(request: HttpRequest) -> dict[str, object]:
    """The language switcher's choices and each page's hreflang alternates (its own URL with `?lang=`)."""
    query = request.GET.copy()
    query.pop(LANGUAGE_QUERY_PARAMETER, None)
    # Where the switcher sends the visitor back to: this page, without a ?lang= that would override the choice.
    language_next = f"{request.path}?{query.urlencode()}" if query else request.path
    alternates = []
    for code, name in settings.LANGUAGES:
        query[LANGUAGE_QUERY_PARAMETER] = code
        url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        alternates.append({"code": code, "name": name, "url": url})
    return {"language_alternates": alternates, "language_next": language_next}
