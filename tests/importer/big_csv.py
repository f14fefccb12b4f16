"""A large, valid customers file (each row its own account and phone)."""

from __future__ import annotations

from pathlib import Path

HEADER = ("account,name,phone,address,area,transformer,customer_class,key_customer,"
          "manager_phone,language\n")


def write_customers(path: Path, rows: int, first_account: int = 5200000000) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(rows):
            out.write(f"{first_account + i},客户{i},+86139{i:08d},江宁市城西路{i}号,城西,"
                      f"城西-{i % 50}号变,residential,false,,zh-CN\n")
    return path
