from django.http import HttpRequest


def gpc(request: HttpRequest) -> dict[str, bool]:
    """Tell templates whether this request carried a Global Privacy Control signal we honored."""
    return {"gpc_honored": bool(getattr(request, "gpc", False))}
