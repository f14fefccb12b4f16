"""Sign in, sign out, the language choice, `/` and the static files."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from ivr.services.errors import NotFound, ValidationError
from ivr.services.users import Users
from ivr.web.auth import PUBLIC, allow
from ivr.web.pages.common import home_for, render, safe_next
from ivr.web.sessions import (
    COOKIE,
    LIMITER_KEY,
    PRE_CSRF_COOKIE,
    SESSION_KEY,
    SESSIONS_KEY,
    csrf_ok,
    current,
    page,
    set_cookie,
)

USERS_KEY = web.AppKey("users", Users)
_STATIC = resources.files("ivr.web") / "static"
_TYPES = {".css": "text/css", ".js": "text/javascript", ".txt": "text/plain"}


@allow(PUBLIC)
async def root(request: web.Request) -> web.Response:
    session = await current(request)
    raise web.HTTPSeeOther(home_for(session.role) if session else "/signin")


@allow(PUBLIC)
async def signin_form(request: web.Request) -> web.Response:
    session = await current(request)
    if session is not None:
        raise web.HTTPSeeOther(home_for(session.role))
    return render(request, "signin.html", {"next": safe_next(request.query.get("next")) or ""})


@allow(PUBLIC)
async def signin(request: web.Request) -> web.Response:
    form = await request.post()
    given, cookie = str(form.get("csrf", "")), request.cookies.get(PRE_CSRF_COOKIE, "")
    if not cookie or not csrf_ok(cookie, given):
        raise web.HTTPForbidden(text="missing or wrong CSRF token")
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    limiter, address = request.app[LIMITER_KEY], request.remote or "?"
    if limiter.blocked(name, address):
        return render(request, "signin.html", {"problem": "too_many", "next": next_path or ""},
                      status=429)
    user = await request.app[USERS_KEY].authenticate(name, password)
    if user is None:
        limiter.failed(name, address)
        return render(request, "signin.html", {"problem": "bad_login", "next": next_path or ""},
                      status=401)
    await request.app[SESSIONS_KEY].drop(request.cookies.get(COOKIE))  # never reuse an older id
    sid, session = await request.app[SESSIONS_KEY].create(user)
    response = web.HTTPSeeOther(next_path or home_for(session.role))
    set_cookie(request, response, COOKIE, sid)
    response.del_cookie(PRE_CSRF_COOKIE, path="/")
    raise response


@page("agent", "supervisor", "survey", "dispatch")
async def signout(request: web.Request) -> web.Response:
    await request.app[SESSIONS_KEY].drop(request.cookies.get(COOKIE))
    response = web.HTTPSeeOther("/signin")
    response.del_cookie(COOKIE, path="/")
    raise response


@page("agent", "supervisor", "survey", "dispatch")
async def set_language(request: web.Request) -> web.Response:
    form = await request.post()
    session = request[SESSION_KEY]
    try:
        await request.app[USERS_KEY].set_language(session.user, str(form.get("language", "")))
    except (ValidationError, NotFound) as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    user = await request.app[USERS_KEY].get(session.user)
    if user is not None:
        session.language = user.language
    raise web.HTTPSeeOther(safe_next(str(form.get("next", ""))) or home_for(session.role))


@page("agent", "supervisor", "survey", "dispatch")
async def home(request: web.Request) -> web.Response:
    return render(request, "home.html", {"heading": "home"})


def _safe(part: str) -> bool:
    return bool(part) and "/" not in part and "\\" not in part and not part.startswith(".")


@allow(PUBLIC)
async def static(request: web.Request) -> web.Response:
    """Our own files under static/, and vendored libraries under static/vendor/{lib}/."""
    name, lib = request.match_info["name"], request.match_info.get("lib")
    if not _safe(name) or (lib is not None and not _safe(lib)):
        raise web.HTTPNotFound()
    file = _STATIC / "vendor" / lib / name if lib is not None else _STATIC / name
    suffix = "." + name.rsplit(".", 1)[-1]
    if not file.is_file() or suffix not in _TYPES:
        raise web.HTTPNotFound()
    response = web.Response(body=file.read_bytes(), content_type=_TYPES[suffix],
                            headers={"Cache-Control": "max-age=300"})
    response.enable_compression()  # ECharts is 1 MB, a third of that compressed
    return response


def add_routes(app: web.Application, users: Users) -> None:
    app[USERS_KEY] = users
    app.router.add_get("/", root)
    app.router.add_get("/signin", signin_form)
    app.router.add_post("/signin", signin)
    app.router.add_post("/signout", signout)
    app.router.add_post("/language", set_language)
    app.router.add_get("/home", home)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/static/vendor/{lib}/{name}", static)
