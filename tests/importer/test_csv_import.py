from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ivr.db.enums import Language, Skill
from ivr.db.models import Agent, Bill, Customer, Outage
from ivr.db.session import Database
from ivr.importer import CsvImportError, import_csv
from ivr.services.agents import Agents
from ivr.services.customers import Customers
from ivr.services.outages import Outages

CUSTOMERS = (
    "account,name,phone,address,area,transformer,customer_class,key_customer,manager_phone,language\n"
    "5100012300,张伟,+8613800138000,江宁市城东建设路12号,城东,城东-1号变,residential,false,,zh-CN\n"
    "5100099001,江宁市第一人民医院,+862583001234,江宁市城东人民东路100号,城东,城东-专变1,"
    "high_voltage_dual,TRUE,+8613912345678,zh-CN\n"
)
BILLS = (
    "account,period,kwh,amount_due,due_date,amount_paid,paid_at\n"
    "5100012300,2025-09,396,217.13,2025-10-20,217.13,2025-10-07T14:39:00+08:00\n"
    "5100012300,2025-10,410.5,230.10,2025-11-20,0,\n"
)
AGENTS = (
    "agent,name,extension,skills,languages\n"
    'a1001,陈晓燕,8001,"repair; general",zh-CN\n'
    "a1006,Sarah Wang,8006,billing;complaint,en-US;zh-CN\n"
)
OUTAGES = (
    "id,kind,areas,transformers,starts_at,restore_eta,cause,status\n"
    "F1,fault,城东,,2025-11-25T08:40:00+08:00,2025-11-25T13:30:00+08:00,电缆故障,active\n"
    "P1,planned,,城西-2号变;城西-3号变,2025-11-28T08:00:00+08:00,2025-11-28T17:00:00+08:00,检修,"
    "scheduled\n"
)


def write(tmp_path: Path, name: str, text: str, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


async def count(db: Database, model: type) -> int:
    async with db.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_every_kind_imports_and_reimports_as_updates(db: Database, tmp_path: Path) -> None:
    files = {
        "customers": write(tmp_path, "c.csv", CUSTOMERS, bom=True),
        "bills": write(tmp_path, "b.csv", BILLS),
        "agents": write(tmp_path, "a.csv", AGENTS),
        "outages": write(tmp_path, "o.csv", OUTAGES),
    }
    for kind, path in files.items():
        result = await import_csv(db, kind, path)
        assert (result.inserted, result.updated) == (2, 0), kind
    for kind, path in files.items():
        result = await import_csv(db, kind, path)
        assert (result.inserted, result.updated) == (0, 2), kind
    assert [await count(db, m) for m in (Customer, Bill, Agent, Outage)] == [2, 2, 2, 2]

    hospital = await Customers(db).by_account("5100099001")
    assert hospital is not None and hospital.key_customer
    assert hospital.manager_phone == "+8613912345678"
    agents = {a.agent: a for a in await Agents(db).list()}
    assert agents["a1001"].skills == {Skill.REPAIR, Skill.GENERAL}
    assert agents["a1006"].languages == {Language.EN_US, Language.ZH_CN}
    assert [a.agent for a in await Agents(db).list(skill="billing")] == ["a1006"]
    planned = await Outages(db).get("P1")
    assert planned is not None and planned.transformers == ("城西-2号变", "城西-3号变")


async def test_reimport_changes_values(db: Database, tmp_path: Path) -> None:
    await import_csv(db, "customers", write(tmp_path, "c.csv", CUSTOMERS))
    await import_csv(db, "bills", write(tmp_path, "b.csv", BILLS))
    changed = BILLS.replace(
        "230.10,2025-11-20,0,", "230.10,2025-11-20,230.10,2025-11-21T09:00:00+08:00"
    )
    result = await import_csv(db, "bills", write(tmp_path, "b2.csv", changed))
    assert (result.inserted, result.updated) == (0, 2)
    async with db.sessionmaker() as session:
        paid = await session.scalar(select(Bill.amount_paid).where(Bill.period == "2025-10"))
    assert paid == Decimal("230.10")


async def test_column_order_is_free(db: Database, tmp_path: Path) -> None:
    text = "languages,skills,extension,name,agent\nzh-CN,general,8001,陈晓燕,a1001\n"
    assert (await import_csv(db, "agents", write(tmp_path, "a.csv", text))).inserted == 1


HEADER_C = CUSTOMERS.splitlines()[0]
GOOD_C = CUSTOMERS.splitlines()[1]


def customer_row(**changes: str) -> str:
    columns = HEADER_C.split(",")
    values = dict(zip(columns, GOOD_C.split(","), strict=True)) | changes
    return ",".join(values[c] for c in columns)


@pytest.mark.parametrize(
    ("kind", "text", "where"),
    [
        # customers: every column's rule
        ("customers", f"{HEADER_C}\n{customer_row(account='51000123')}\n", "2: account:"),
        (
            "customers",
            f"{HEADER_C}\n{GOOD_C}\n{customer_row(account='5100012301', phone='13800138000')}\n",
            "3: phone:",
        ),
        ("customers", f"{HEADER_C}\n{customer_row(name='')}\n", "2: name:"),
        (
            "customers",
            f"{HEADER_C}\n{customer_row(customer_class='industrial')}\n",
            "2: customer_class:",
        ),
        ("customers", f"{HEADER_C}\n{customer_row(key_customer='yes')}\n", "2: key_customer:"),
        ("customers", f"{HEADER_C}\n{customer_row(manager_phone='12345')}\n", "2: manager_phone:"),
        ("customers", f"{HEADER_C}\n{customer_row(language='zh')}\n", "2: language:"),
        ("customers", f"{HEADER_C}\n{GOOD_C}\n\n{GOOD_C}\n", "4: account: duplicate of line 2"),
        ("customers", f"{HEADER_C}\n{GOOD_C},extra\n", "2: row: 11 values, the header has 10"),
        # headers
        ("customers", f"{HEADER_C},notes\n{GOOD_C},x\n", "1: header: unknown column 'notes'"),
        (
            "customers",
            HEADER_C.replace("account", "acount") + f"\n{GOOD_C}\n",
            "did you mean 'account'?",
        ),
        (
            "customers",
            HEADER_C.replace(",language", "") + "\n",
            "1: header: missing column(s) language",
        ),
        ("customers", "", "1: header: the file is empty"),
        # bills
        ("bills", BILLS.replace("2025-09,", "2025-13,"), "2: period:"),
        ("bills", BILLS.replace("396,", "-1,"), "2: kwh:"),
        ("bills", BILLS.replace("217.13,2025-10-20", "217.135,2025-10-20"), "2: amount_due:"),
        ("bills", BILLS.replace("2025-10-20", "20/10/2025"), "2: due_date:"),
        ("bills", BILLS.replace(",217.13,2025-10-07", ",abc,2025-10-07"), "2: amount_paid:"),
        (
            "bills",
            BILLS.replace("2025-10-07T14:39:00+08:00", "2025-10-07T14:39:00"),
            "2: paid_at: '2025-10-07T14:39:00' has no UTC offset",
        ),
        (
            "bills",
            BILLS.replace("217.13,2025-10-07T14:39:00+08:00", "217.13,"),
            "2: paid_at: needed",
        ),
        (
            "bills",
            BILLS + "5100077777,2025-10,1,1.00,2025-11-20,0,\n",
            "4: account: no customer with account 5100077777",
        ),
        # agents
        (
            "agents",
            AGENTS.replace("billing;complaint", "billing;sales"),
            "3: skills: 'sales' is not one of",
        ),
        ("agents", AGENTS.replace(",zh-CN\n", ",\n", 1), "2: languages:"),
        ("agents", AGENTS.replace("8001", "80a1"), "2: extension:"),
        ("agents", AGENTS.replace("a1001", "a 1001"), "2: agent:"),
        # outages
        ("outages", OUTAGES.replace("fault", "blackout"), "2: kind:"),
        ("outages", OUTAGES.replace(",active", ",ongoing"), "2: status:"),
        (
            "outages",
            OUTAGES.replace("2025-11-25T08:40:00+08:00", "2025-11-25 08:40"),
            "2: starts_at:",
        ),
        ("outages", OUTAGES.replace("2025-11-25T13:30:00+08:00", "soon"), "2: restore_eta:"),
        (
            "outages",
            OUTAGES.replace("2025-11-25T13:30:00+08:00", "2025-11-25T08:00:00+08:00"),
            "2: restore_eta: must be later",
        ),
        (
            "outages",
            OUTAGES.replace("F1,fault,城东,", "F1,fault,,"),
            "2: areas: an outage must cover",
        ),
    ],
)
async def test_a_bad_row_aborts_the_whole_file(
    db: Database, tmp_path: Path, kind: str, text: str, where: str
) -> None:
    if kind == "bills":
        await import_csv(db, "customers", write(tmp_path, "c.csv", CUSTOMERS))
    before = [await count(db, m) for m in (Customer, Bill, Agent, Outage)]
    path = write(tmp_path, f"{kind}.csv", text)
    with pytest.raises(CsvImportError) as excinfo:
        await import_csv(db, kind, path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}:"), message
    assert where in message, message
    assert [await count(db, m) for m in (Customer, Bill, Agent, Outage)] == before


async def test_line_numbers_follow_the_editor_across_quoted_newlines(
    db: Database, tmp_path: Path
) -> None:
    text = (
        f"{HEADER_C}\n"
        + customer_row(address='"江宁市城东\n建设路12号"')
        + "\n"
        + customer_row(account="5100012301", language="fr-FR")
        + "\n"
    )
    with pytest.raises(CsvImportError) as excinfo:
        await import_csv(db, "customers", write(tmp_path, "c.csv", text))
    assert (excinfo.value.line, excinfo.value.column) == (4, "language")


async def test_not_utf8(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(HEADER_C.encode() + b"\n" + customer_row(name="张伟").encode("gbk") + b"\n")
    with pytest.raises(CsvImportError, match=r"c\.csv:2: file: not UTF-8 text"):
        await import_csv(db, "customers", path)


async def test_large_file_streams_with_progress(db: Database, tmp_path: Path) -> None:
    rows = [customer_row(account=f"51{i:08d}") for i in range(1200)]
    path = write(tmp_path, "c.csv", HEADER_C + "\n" + "\n".join(rows) + "\n")
    seen: list[tuple[int, int]] = []
    result = await import_csv(db, "customers", path, progress=lambda d, t: seen.append((d, t)))
    assert result.inserted == 1200
    size = path.stat().st_size
    assert seen[-1] == (2 * size, 2 * size)
    assert all(a[0] <= b[0] for a, b in pairwise(seen))


async def test_unknown_kind_and_missing_file(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown import kind"):
        await import_csv(db, "meters", tmp_path / "x.csv")
    with pytest.raises(CsvImportError, match="cannot read"):
        await import_csv(db, "customers", tmp_path / "missing.csv")


async def test_a_large_file_is_committed_in_bounded_batches(
    db: Database, tmp_path: Path
) -> None:
    from sqlalchemy import event

    from ivr.importer.csvimport import COMMIT_ROWS
    from tests.importer.big_csv import write_customers

    commits: list[int] = []
    event.listen(db.engine.sync_engine, "commit", lambda _conn: commits.append(1))
    rows = 3 * COMMIT_ROWS + 7
    result = await import_csv(db, "customers", write_customers(tmp_path / "big.csv", rows))
    assert result.inserted == rows
    assert len(commits) >= 4  # no transaction longer than COMMIT_ROWS rows
    async with db.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == rows


async def test_a_large_file_with_a_bad_last_row_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    from ivr.importer.csvimport import COMMIT_ROWS
    from tests.importer.big_csv import write_customers

    path = write_customers(tmp_path / "big.csv", 2 * COMMIT_ROWS)
    with path.open("a", encoding="utf-8") as out:
        out.write("51000123,bad,,,,,,,,\n")
    with pytest.raises(CsvImportError):
        await import_csv(db, "customers", path)
    async with db.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 0
