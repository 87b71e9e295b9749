"""The app's edge: every response gets the security headers, and domain errors become one kind of answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.edge import DEFAULT_POLICY, SECURITY_HEADERS, Handler, install_edge
from bot.web import listening
from core.channels import MediaUnavailable
from handover.errors import ClaimedByOther, EmptyReply, HandoverClosed


def refusing(error: Exception) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        raise error

    return handler


async def page(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<p>hello</p>", content_type="text/html", headers={"Content-Security-Policy": "default-src 'self'"})


async def moved(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/elsewhere")


@pytest.fixture
async def site() -> AsyncIterator[str]:
    app = web.Application()
    install_edge(app)
    app.router.add_get("/page", page)
    app.router.add_get("/moved", moved)
    app.router.add_post("/staff/c/{id}/claim", refusing(ClaimedByOther("Olga")))
    app.router.add_post("/staff/c/{id}/reply", refusing(EmptyReply()))
    app.router.add_post("/staff/m/{id}/close", refusing(HandoverClosed()))
    app.router.add_get("/staff/media/{id}", refusing(MediaUnavailable("gone")))
    app.router.add_get("/crash", refusing(OverflowError("Python int too large: Olena +49 170 1234567")))
    app.router.add_get("/forbidden", refusing(web.HTTPForbidden(text="no")))
    app.router.add_post("/bad", refusing(web.HTTPBadRequest(text="bad")))
    async with listening(app, "127.0.0.1", 0) as port:
        yield f"http://127.0.0.1:{port}"


async def test_every_response_gets_the_security_headers_and_keeps_its_own_policy(site: str) -> None:
    async with aiohttp.ClientSession() as http:
        for path, policy in (("/page", "default-src 'self'"), ("/nothing-here", DEFAULT_POLICY), ("/moved", DEFAULT_POLICY)):
            async with http.get(site + path, allow_redirects=False) as response:
                for name, value in SECURITY_HEADERS.items():
                    assert response.headers[name] == value, (path, name)
                assert response.headers["Content-Security-Policy"] == policy, path
                assert response.headers["Cache-Control"] == "no-store", path


async def test_domain_errors_become_their_status_with_words_staff_read(site: str) -> None:
    json = {"Accept": "application/json"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{site}/staff/c/7/claim", headers=json) as response:
            assert response.status == 409 and "Olga" in (await response.json())["error"]
        async with http.post(f"{site}/staff/c/7/reply", headers=json) as response:
            assert response.status == 400
        async with http.get(f"{site}/staff/media/3", headers=json) as response:
            assert response.status == 404
        async with http.post(f"{site}/staff/c/7/claim") as response:
            html = await response.text()
            assert response.status == 409 and 'href="/staff/c/7"' in html and "Olga" in html
            assert response.headers["X-Frame-Options"] == "DENY"
        async with http.post(f"{site}/staff/m/9/close") as response:
            assert response.status == 409 and 'href="/staff/"' in await response.text()


async def test_errors_get_the_security_headers_no_store_and_no_server_version(
    site: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with aiohttp.ClientSession() as http:
        for method, path, status in (
            ("GET", "/crash", 500), ("GET", "/forbidden", 403), ("POST", "/bad", 400), ("GET", "/nothing", 404),
            ("POST", "/page", 405), ("GET", "/page", 200),
        ):
            async with http.request(method, site + path, allow_redirects=False) as response:
                assert response.status == status, path
                for name, value in SECURITY_HEADERS.items():
                    assert response.headers[name] == value, (path, name)
                assert "Content-Security-Policy" in response.headers, path
                assert response.headers["Cache-Control"] == "no-store", path
                assert "Server" not in response.headers, (path, response.headers.get("Server"))
                if status == 500:
                    assert "Traceback" not in await response.text()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "OverflowError" in logged and "Olena" not in logged and "1234567" not in logged
