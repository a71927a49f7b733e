"""What the page tests share about the error pages: the request a browser makes for a page and the
check that the answer is the project's error page (HTML, its status, the page's own id) rather
than the API's JSON body. The 404 page (``pages.browser_not_found``), the 500 page
(``pages.browser_server_error``) and the dashboards' own 404s (an unknown experiment) are told
apart from a program's request by the same test on the server (``pages.is_page_request``), so
their tests ask the same way.
"""

from __future__ import annotations

from typing import Any

#: The Accept header Chromium sends for a page; a program asks for JSON or sends nothing.
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PROGRAM = {"accept": "application/json"}


def error_page(client: Any, path: str, status: int, headers: dict[str, str] | None = None) -> str:
    """GET ``path`` as a browser and check the answer is the error page with ``status``: its HTML."""
    r = client.get(path, headers={**BROWSER, **(headers or {})})
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("text/html"), (path, r.headers["content-type"])
    assert 'id="error-page"' in r.text and "Traceback" not in r.text, path
    return r.text


def json_error(client: Any, path: str, status: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """GET ``path`` as a program and check the answer is the API's JSON error with ``status``."""
    r = client.get(path, headers=PROGRAM if headers is None else headers)
    assert r.status_code == status, (path, r.status_code)
    return r.json()["error"]
