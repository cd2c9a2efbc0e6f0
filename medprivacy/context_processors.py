from django.conf import settings
from django.http import HttpRequest


def company(request: HttpRequest) -> dict[str, str]:
    return {"company_name": settings.COMPANY_NAME, "privacy_email": settings.PRIVACY_CONTACT_EMAIL}
