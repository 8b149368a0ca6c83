"""HTML pages from the web templates, with the response headers every page carries."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

#: Sent with every response: nothing but inline styles may load, no page may frame ours or
#: change the base its relative links resolve against (an injected ``<base>`` would send
#: forms and links elsewhere), no survey link leaks through a Referer header and no page
#: is kept in any cache.
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

#: Sent as well when colead is served over HTTPS (``COLEAD_PUBLIC_URL``): browsers then
#: refuse plain http to the host for a year, so a network attacker cannot strip TLS from a
#: survey link or the console's login.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The web templates (autoescaped: names and comments are user data)."""
    return Environment(
        loader=PackageLoader("colead.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the package and do not change while it runs: no need to
        # check each file's modification time on every page.
        auto_reload=False,
    )


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
