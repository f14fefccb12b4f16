"""The flows pages over real HTTP: versions kept at start, on reload and on edit (who/when),
a diff, a rollback that goes through the same checks, a bad edit that never goes live, roles,
and the simulator's calls kept out of the hotline's database."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from ivr.app import Hotline
from ivr.db.models import Call, Ticket
from ivr.db.session import Database
from ivr.flow.keeper import system_user
from ivr.services.flow_versions import FlowText, FlowVersions, digest
from tests.web.flow_hotline import hotline, start_flow_hotline
from tests.web.staff import PASSWORD, SignIn, csrf_of, sign_in, staff

__all__ = ["hotline", "sign_in", "staff"]


async def _csrf(client: aiohttp.ClientSession, path: str = "/flows") -> str:
    async with client.get(path) as resp:
        assert resp.status == 200, await resp.text()
        return csrf_of(await resp.text())


def _bill(hotline: Hotline) -> Path:
    return hotline.settings.flows_dir / "bill.yaml"


async def test_each_flow_starts_with_the_version_in_service(
    hotline: Hotline, sign_in: SignIn, db: Database
) -> None:
    client = await sign_in("supervisor")
    async with client.get("/flows") as resp:
        html = await resp.text()
    names = re.findall(r'<tr data-flow="([a-z_]+)">', html)
    row = html.split('<tr data-flow="bill">')[1].split("</tr>")[0]
    assert f"{system_user()} (start)" in row
    assert names == sorted(hotline.registry.current().flows) and "bill" in names
    history = await FlowVersions(db).history("bill")
    assert [(v.author, v.source) for v in history] == [(system_user(), "start")]
    assert history[0].content == _bill(hotline).read_text(encoding="utf-8")
    assert history[0].set_version == hotline.registry.current().version


async def test_an_edit_goes_live_kept_as_the_staff_member_then_diff_and_rollback(
    hotline: Hotline, sign_in: SignIn, db: Database
) -> None:
    client = await sign_in("supervisor")
    original = _bill(hotline).read_text(encoding="utf-8")
    before = hotline.registry.current().version
    edited = original.replace("tries: 1\n    on_fail: goodbye", "tries: 2\n    on_fail: goodbye")
    assert edited != original
    form = {"csrf": await _csrf(client), "yaml": edited, "base": digest(original)}
    async with client.post("/flows/bill/edit", data=form, allow_redirects=False) as resp:
        assert resp.status == 303, await resp.text()
    assert _bill(hotline).read_text(encoding="utf-8") == edited
    assert hotline.registry.current().version != before
    assert hotline.registry.current().flows["bill"].nodes["after"].tries == 2  # type: ignore[attr-defined]
    first, second = sorted((await FlowVersions(db).history("bill")), key=lambda v: v.id)
    assert (second.author, second.source) == ("supervisor", "edit")

    async with client.get(f"/flows/bill/diff?a={first.id}&b={second.id}") as resp:
        diff = await resp.text()
    assert '<span class="del">-    tries: 1</span>' in diff
    assert '<span class="add">+    tries: 2</span>' in diff

    form = {"csrf": await _csrf(client), "version": str(first.id)}
    async with client.post("/flows/bill/rollback", data=form, allow_redirects=False) as resp:
        assert resp.status == 303, await resp.text()
    assert _bill(hotline).read_text(encoding="utf-8") == original
    assert hotline.registry.current().version == before  # the same files: the same set hash
    newest = (await FlowVersions(db).history("bill"))[0]
    assert (newest.author, newest.source, newest.content) == ("supervisor", "rollback", original)
    async with client.get("/flows/bill") as resp:
        page = await resp.text()
    assert page.count("<tr data-version=") == 3 and "rollback" in page


async def test_a_bad_edit_never_goes_live_and_names_file_and_line(
    hotline: Hotline, sign_in: SignIn, db: Database
) -> None:
    client = await sign_in("supervisor")
    original = _bill(hotline).read_text(encoding="utf-8")
    before = hotline.registry.current().version
    bad = original.replace("next: say_payment", "next: say_paymnet")
    line = bad.splitlines().index("    next: say_paymnet") + 1
    form = {"csrf": await _csrf(client), "yaml": bad, "base": digest(original)}
    async with client.post("/flows/bill/edit", data=form) as resp:
        assert resp.status == 400
        html = await resp.text()
    assert f"bill.yaml:{line}:" in html and "say_paymnet" in html
    assert "did you mean &#39;say_payment&#39;" in html  # the checker's own suggestion
    assert "say_paymnet" in html.split('id="yaml"')[1]  # the text as typed is kept to fix
    assert _bill(hotline).read_text(encoding="utf-8") == original
    assert hotline.registry.current().version == before
    assert len(await FlowVersions(db).history("bill")) == 1
    not_yaml = form | {"yaml": "flow: bill\nnodes: [\n"}
    async with client.post("/flows/bill/edit", data=not_yaml) as resp:
        assert resp.status == 400 and "YAML syntax" in await resp.text()
    assert _bill(hotline).read_text(encoding="utf-8") == original


async def test_a_file_changed_on_disk_is_kept_as_the_os_user(
    database_url: str, db: Database, tmp_path: Path, staff: None
) -> None:
    running = await start_flow_hotline(database_url, tmp_path, watch=True)
    sessions: list[aiohttp.ClientSession] = []

    async def sign_in(role: str) -> aiohttp.ClientSession:
        client = aiohttp.ClientSession(f"http://127.0.0.1:{running.http_port}",
                                       cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(client)
        csrf = await _csrf(client, "/signin")
        form = {"name": role, "password": PASSWORD, "csrf": csrf}
        async with client.post("/signin", data=form, allow_redirects=False) as resp:
            assert resp.status == 303
        return client

    try:
        await asyncio.sleep(0.5)  # the watcher is up
        path = running.settings.flows_dir / "bill.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("tries: 1", "tries: 3"),
                        encoding="utf-8")
        for _ in range(100):
            history = await FlowVersions(db).history("bill")
            if len(history) == 2:
                break
            await asyncio.sleep(0.1)
        assert [(v.author, v.source) for v in history] == [
            (system_user(), "reload"), (system_user(), "start")]
        assert "tries: 3" in history[0].content
        assert len(await FlowVersions(db).history("hotline")) == 1  # unchanged: nothing new

        # A page edit wakes the watcher too; the edit is still kept once, as the staff member's.
        client = await sign_in("supervisor")
        text = path.read_text(encoding="utf-8")
        form = {"csrf": await _csrf(client), "base": digest(text),
                "yaml": text.replace("tries: 3", "tries: 4")}
        async with client.post("/flows/bill/edit", data=form, allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()
        await asyncio.sleep(2)  # well past the watcher's debounce
        history = await FlowVersions(db).history("bill")
        assert [(v.author, v.source) for v in history[:2]] == [
            ("supervisor", "edit"), (system_user(), "reload")]
        assert len(history) == 3
    finally:
        for session in sessions:
            await session.close()
        await running.close()


@pytest.mark.parametrize("role", ["agent", "dispatch", "survey"])
async def test_flows_pages_refuse_other_roles(sign_in: SignIn, role: str) -> None:
    client = await sign_in(role)
    csrf = await _csrf(client, "/home" if role != "agent" else "/desk")
    for path in ("/flows", "/flows/bill", "/flows/bill/diagram", "/flows/bill/edit",
                 "/flows/bill/graph", "/flows/bill/diff?a=1&b=1"):
        async with client.get(path, allow_redirects=False) as resp:
            assert resp.status == 403, path
    for path in ("/flows/bill/rollback", "/flows/bill/edit"):
        async with client.post(path, data={"csrf": csrf, "version": "1"}) as resp:
            assert resp.status == 403, path
    async with client.post("/flows/bill/simulate", json={},
                           headers={"X-CSRF-Token": csrf}) as resp:
        assert resp.status == 403


async def test_the_simulator_runs_the_bill_query_in_a_sandbox(
    hotline: Hotline, sign_in: SignIn, db: Database
) -> None:
    client = await sign_in("supervisor")
    headers = {"X-CSRF-Token": await _csrf(client)}

    async def post(path: str, body: dict[str, str]) -> dict[str, object]:
        async with client.post(path, json=body, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            result: dict[str, object] = await resp.json()
            return result

    state = await post("/flows/bill/simulate", {"caller": "+8613700137000"})
    assert state["listening"] == "keys" and state["path"][-1] == ["bill", "ask_account"]  # type: ignore[index]
    sid = str(state["id"])
    await post(f"/flows/simulate/{sid}", {"kind": "keys", "value": "5100012300"})
    state = await post(f"/flows/simulate/{sid}", {"kind": "keys", "value": "8000"})
    nodes = [node for _, node in state["path"]]  # type: ignore[attr-defined]
    assert nodes[-4:] == ["summary", "say_bill", "say_payment", "after"]
    assert state["verified"] is True
    words = " ".join(h["text"] for h in state["heard"])  # type: ignore[attr-defined]
    assert "最近一期电费一百八十元九角四分" in words  # the newest demo bill (180.94), read out

    # another supervisor cannot drive or hear this call
    other = await sign_in("admin")
    async with other.post(f"/flows/simulate/{sid}", json={"kind": "hangup"},
                          headers={"X-CSRF-Token": await _csrf(other)}) as resp:
        assert resp.status == 404
    async with other.get(f"/flows/simulate/{sid}/audio/0") as resp:
        assert resp.status == 404

    state = await post(f"/flows/simulate/{sid}", {"kind": "hangup"})
    assert state["ended"] is True
    # nothing of the simulated call reached the hotline's own database
    async with db.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Call)) == 0
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 0


async def test_simulator_steps_refuse_bad_input(hotline: Hotline, sign_in: SignIn) -> None:
    client = await sign_in("supervisor")
    headers = {"X-CSRF-Token": await _csrf(client)}
    async with client.post("/flows/bill/simulate", json={"caller": "x; rm"},
                           headers=headers) as resp:
        assert resp.status == 400
    async with client.post("/flows/bill/simulate", json={}, headers=headers) as resp:
        sid = (await resp.json())["id"]
    for body in ({"kind": "keys", "value": "12a"}, {"kind": "dance"}, {"kind": "say"}):
        async with client.post(f"/flows/simulate/{sid}", json=body, headers=headers) as resp:
            assert resp.status == 400, body
    async with client.post(f"/flows/simulate/{sid}", json={"kind": "keys", "value": "1"}) as resp:
        assert resp.status == 403  # no CSRF token


async def test_a_reload_with_problems_is_shown_as_file_and_line(
    hotline: Hotline, sign_in: SignIn, db: Database
) -> None:
    path = _bill(hotline)
    bad = path.read_text(encoding="utf-8").replace("prompt: no_bills", "prompt: no_bils")
    line = bad.splitlines().index("    prompt: no_bils") + 1
    path.write_text(bad, encoding="utf-8")  # as an editor on the server would
    assert hotline.registry.reload() is False  # what the watcher does: the old set keeps serving
    client = await sign_in("supervisor")
    for page in ("/flows", "/flows/bill"):
        async with client.get(page) as resp:
            html = await resp.text()
        assert f"bill.yaml:{line}: node &#39;say_no_bills&#39;" in html, page
        assert "no_bils" in html
    async with client.get("/flows/hotline") as resp:
        assert "bill.yaml" not in await resp.text()  # each flow shows its own file's problems
    assert len(await FlowVersions(db).history("bill")) == 1  # a refused reload is not a version


async def test_a_key_during_a_prompt_interrupts_it_as_on_the_phone(
    hotline: Hotline, sign_in: SignIn
) -> None:
    client = await sign_in("supervisor")
    headers = {"X-CSRF-Token": await _csrf(client)}
    async with client.post("/flows/hotline/simulate", json={}, headers=headers) as resp:
        state = await resp.json()
    assert (state["listening"], state["path"][-1]) == ("prompt", ["hotline", "greeting"])
    assert set(state["interrupt_keys"]) == {"8", "9"}
    async with client.post(f"/flows/simulate/{state['id']}", json={"kind": "keys", "value": "9"},
                           headers=headers) as resp:
        state = await resp.json()
    nodes = [node for _, node in state["path"]]
    assert nodes[:4] == ["identify", "greeting", "english", "greeting_english"]
    assert state["heard"][0]["text"].startswith("Welcome to the power supply")  # in English
    async with client.post(f"/flows/simulate/{state['id']}", json={"kind": "silence"},
                           headers=headers) as resp:
        state = await resp.json()
    assert ["hotline", "main_menu"] in state["path"]  # the prompt played out, the menu follows


async def test_an_edit_made_on_an_older_text_does_not_undo_a_newer_change(
    hotline: Hotline, sign_in: SignIn, db: Database
) -> None:
    path = _bill(hotline)
    opened = path.read_text(encoding="utf-8")
    newer = opened.replace("tries: 1\n", "tries: 2\n")
    path.write_text(newer, encoding="utf-8")  # saved by someone else meanwhile
    assert hotline.registry.reload()
    client = await sign_in("supervisor")
    form = {"csrf": await _csrf(client), "base": digest(opened),
            "yaml": opened.replace("prompt: goodbye", "prompt: goodbye  # mine")}
    async with client.post("/flows/bill/edit", data=form) as resp:
        assert resp.status == 409
        html = await resp.text()
    assert "# mine" in html and 'id="edit-conflict"' in html  # their text is kept to redo
    assert path.read_text(encoding="utf-8") == newer
    assert f'name="base" value="{digest(newer)}"' in html


async def test_a_simulated_work_order_lands_in_the_sandbox_only(
    hotline: Hotline, sign_in: SignIn, db: Database
) -> None:
    client = await sign_in("supervisor")
    headers = {"X-CSRF-Token": await _csrf(client)}
    async with client.post("/flows/callback/simulate", json={"caller": "+8613800138000"},
                           headers=headers) as resp:
        state = await resp.json()
    assert state["ended"] is True and ["callback", "promised"] in state["path"]
    assert hotline.sandbox is not None and hotline.sandbox.database is not None
    async with hotline.sandbox.database.sessionmaker() as session:
        tickets = (await session.scalars(select(Ticket))).all()
        calls = (await session.scalars(select(Call))).all()
    assert [t.type for t in tickets] == ["enquiry"]
    assert [c.uniqueid for c in calls] == [tickets[0].call_uniqueid]
    assert calls[0].uniqueid.startswith("sim-")
    async with db.sessionmaker() as session:  # the hotline's own database: untouched
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert await session.scalar(select(func.count()).select_from(Call)) == 0


async def test_a_rollback_that_no_longer_passes_the_checks_is_refused(
    hotline: Hotline, sign_in: SignIn, db: Database
) -> None:
    """An old version can go stale (a prompt it names was removed since): it is checked like
    any edit and refused with its problems, the file and the flows in service untouched."""
    path = _bill(hotline)
    original = path.read_text(encoding="utf-8")
    stale_text = original.replace("prompt: no_bills", "prompt: no_bills_retired")
    stale, _ = await FlowVersions(db).record(
        {"bill": FlowText("bill.yaml", stale_text), "hotline": FlowText("hotline.yaml", "x")},
        author="someone", source="reload", set_version="old")
    await FlowVersions(db).record({"bill": FlowText("bill.yaml", original)},
                                  author=system_user(), source="reload", set_version="now")
    before = hotline.registry.current().version
    client = await sign_in("supervisor")
    form = {"csrf": await _csrf(client), "version": str(stale.id)}
    async with client.post("/flows/bill/rollback", data=form) as resp:
        assert resp.status == 400
        html = await resp.text()
    line = stale_text.splitlines().index("    prompt: no_bills_retired") + 1
    assert f"bill.yaml:{line}:" in html and "no_bills_retired" in html
    assert path.read_text(encoding="utf-8") == original
    assert hotline.registry.current().version == before
    form["version"] = "99999"
    async with client.post("/flows/bill/rollback", data=form) as resp:
        assert resp.status == 404
