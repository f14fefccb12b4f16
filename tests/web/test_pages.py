"""The staff pages over real HTTP: sign-in, sessions, CSRF, roles on every page route."""

from __future__ import annotations

import aiohttp
import pytest

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.services.errors import ValidationError
from ivr.services.users import Users
from tests.web.staff import PASSWORD, SignIn, csrf_of, sign_in, staff

__all__ = ["sign_in", "staff"]


def _client(hotline: Hotline) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        f"http://127.0.0.1:{hotline.http_port}", cookie_jar=aiohttp.CookieJar(unsafe=True)
    )


async def test_root_sends_strangers_to_sign_in_and_staff_home(
    hotline: Hotline, sign_in: SignIn
) -> None:
    async with _client(hotline) as client, client.get("/", allow_redirects=False) as resp:
        assert (resp.status, resp.headers["Location"]) == (303, "/signin")
    homes = {"supervisor": "/wallboard", "agent": "/desk", "dispatch": "/outages",
             "admin": "/home", "survey": "/campaigns"}
    for role, home in homes.items():
        client = await sign_in(role)
        async with client.get("/", allow_redirects=False) as resp:
            assert resp.headers["Location"] == home, role


async def test_the_session_cookie_is_httponly_and_strict(hotline: Hotline, staff: None) -> None:
    async with _client(hotline) as client:
        async with client.get("/signin") as resp:
            csrf = csrf_of(await resp.text())
        form = {"name": "supervisor", "password": PASSWORD, "csrf": csrf}
        async with client.post("/signin", data=form, allow_redirects=False) as resp:
            cookie = resp.cookies["ivr_session"]
            assert cookie["httponly"] and cookie["samesite"] == "Strict"
            assert not cookie["secure"]  # plain HTTP here; over TLS the cookie is Secure


async def test_sign_in_without_the_csrf_token_is_refused(hotline: Hotline, staff: None) -> None:
    async with _client(hotline) as client:
        await (await client.get("/signin")).text()
        form = {"name": "supervisor", "password": PASSWORD, "csrf": "forged"}
        async with client.post("/signin", data=form, allow_redirects=False) as resp:
            assert resp.status == 403
            assert "ivr_session" not in resp.cookies


async def test_a_form_without_the_sessions_csrf_token_is_refused(sign_in: SignIn) -> None:
    client = await sign_in("supervisor")
    async with client.post("/language", data={"language": "en-US"}) as resp:
        assert resp.status == 403
    async with client.get("/home") as resp:
        assert "中文" not in await resp.text()  # the language did not change


async def test_wrong_passwords_are_refused_then_rate_limited(
    hotline: Hotline, staff: None
) -> None:
    async with _client(hotline) as client:
        statuses = []
        for password in ["wrong"] * 5 + [PASSWORD]:
            async with client.get("/signin") as resp:
                csrf = csrf_of(await resp.text())
            form = {"name": "dispatch", "password": password, "csrf": csrf}
            async with client.post("/signin", data=form, allow_redirects=False) as resp:
                statuses.append(resp.status)
        # the right password after five failures is still refused until the window passes
        assert statuses == [401] * 5 + [429]


async def test_the_language_is_the_users_choice_and_remembered(
    sign_in: SignIn, db: Database
) -> None:
    client = await sign_in("supervisor")
    async with client.get("/home") as resp:
        html = await resp.text()
        assert "退出" in html
    data = {"language": "en-US", "csrf": csrf_of(html), "next": "/home"}
    async with client.post("/language", data=data) as resp:
        assert "Sign out" in await resp.text()
    user = await Users(db).get("supervisor")
    assert user is not None and user.language == "en-US"


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("agent", "/wallboard"),
        ("dispatch", "/wallboard"),
        ("survey", "/desk"),
        ("supervisor", "/desk"),
        ("agent", "/outages"),
        ("agent", "/reports"),
        ("dispatch", "/reports"),
    ],
)
async def test_pages_refuse_roles_that_may_not_open_them(
    sign_in: SignIn, role: str, path: str
) -> None:
    client = await sign_in(role)
    async with client.get(path, allow_redirects=False) as resp:
        assert resp.status == 403


async def test_a_page_without_a_session_sends_to_sign_in(hotline: Hotline) -> None:
    async with _client(hotline) as client, client.get("/home", allow_redirects=False) as resp:
        assert (resp.status, resp.headers["Location"]) == (303, "/signin?next=/home")


async def test_signing_out_ends_the_session(sign_in: SignIn) -> None:
    client = await sign_in("dispatch")
    async with client.get("/home") as resp:
        csrf = csrf_of(await resp.text())
    async with client.post("/signout", data={"csrf": csrf}, allow_redirects=False) as resp:
        assert resp.status == 303
    async with client.get("/home", allow_redirects=False) as resp:
        assert resp.status == 303


async def test_users_need_a_real_password_and_a_unique_name(db: Database) -> None:
    users = Users(db)
    with pytest.raises(ValidationError, match="password"):
        await users.add("night", "agent", "short")
    await users.add("night", "agent", PASSWORD)
    with pytest.raises(ValidationError, match="exists"):
        await users.add("night", "supervisor", PASSWORD)
    assert await users.authenticate("night", "wrong password") is None
    assert await users.authenticate("nobody", PASSWORD) is None
    assert await users.authenticate("night", PASSWORD) is not None


@pytest.mark.parametrize("path", ["/wallboard/feed", "/desk/feed"])
async def test_live_feeds_check_the_session_and_the_role(
    hotline: Hotline, sign_in: SignIn, path: str
) -> None:
    async with _client(hotline) as stranger:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await stranger.ws_connect(path)
        assert refused.value.status == 401
    wrong = await sign_in("dispatch")
    with pytest.raises(aiohttp.WSServerHandshakeError) as forbidden:
        await wrong.ws_connect(path)
    assert forbidden.value.status == 403
    right = await sign_in("supervisor" if path.startswith("/wall") else "agent")
    ws = await right.ws_connect(path)
    if path.startswith("/wall"):
        first = await ws.receive_json(timeout=10)
        assert first["ivr_calls"] == 0 and first["pbx_up"] is False
    await ws.close()


async def test_an_unknown_language_is_a_400_and_next_keeps_its_query(
    hotline: Hotline, sign_in: SignIn
) -> None:
    client = await sign_in("supervisor")
    async with client.get("/home") as resp:
        csrf = csrf_of(await resp.text())
    async with client.post("/language", data={"language": "fr-FR", "csrf": csrf}) as resp:
        assert resp.status == 400
    async with _client(hotline) as stranger, stranger.get(
        "/reports?period=week&date=2026-11-30", allow_redirects=False
    ) as resp:
        location = resp.headers["Location"]
        assert location.startswith("/signin?next=/reports") and "%26date%3D2026-11-30" in location
