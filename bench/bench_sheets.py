"""Benchmark: what the shared spreadsheet writer and the encryption of uploads cost.

    .venv/bin/python bench/bench_sheets.py
    .venv/bin/python bench/bench_sheets.py --rows 20000 --upload-mb 10

Writes a bank-file-shaped table (11 columns, one in five text cells hostile) as CSV and as a
streamed XLSX, once with the plain csv/openpyxl calls and once through `minzheng.core.sheets`
(every cell neutralised, text cells typed), and reports the overhead. Then encrypts and decrypts
an upload of `--upload-mb` MB with the data key (AES-GCM, `minzheng.core.uploads`), and reads a
100,000-row GB18030 CSV through `sheets.read_rows`. No database is needed. Each figure is the best
of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import time
from decimal import Decimal


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--upload-mb", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def best(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django

    django.setup()
    from openpyxl import Workbook

    from minzheng.core import sheets, uploads

    hostile = ["=1+1", "+cmd", "-2+3", "@SUM(1)", "\t=1"]
    rows = [
        [
            str(i),
            "东宝区",
            "龙泉街道",
            "龙泉社区",
            f"H{i:08d}",
            hostile[i % 5] if i % 5 == 0 else f"张{i}",
            "荆门农商银行",
            f"62170000{i:011d}",
            Decimal(48000 + i % 997).scaleb(-2),
            "城市最低生活保障",
            "2016-11",
        ]
        for i in range(args.rows)
    ]

    def plain_csv():
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode("utf-8-sig")

    def safe_csv():
        return sheets.csv_bytes(rows)

    def plain_xlsx():
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("发放明细")
        for row in rows:
            ws.append(row)
        out = io.BytesIO()
        wb.save(out)

    def safe_xlsx():
        wb = sheets.workbook(write_only=True)
        ws = wb.create_sheet("发放明细")
        for row in rows:
            sheets.append(ws, row)
        sheets.xlsx_bytes(wb)

    load = os.getloadavg()[0]
    figures = {}
    for name, func in (
        ("csv plain", plain_csv),
        ("csv shared writer", safe_csv),
        ("xlsx plain", plain_xlsx),
        ("xlsx shared writer", safe_xlsx),
    ):
        figures[name] = best(func, args.repeat)
        print(f"{name:<22} {args.rows:,} rows: {figures[name]:.2f} s")
    print(f"csv overhead  {figures['csv shared writer'] / figures['csv plain']:.2f}×")
    print(f"xlsx overhead {figures['xlsx shared writer'] / figures['xlsx plain']:.2f}×")

    payload = os.urandom(args.upload_mb << 20)
    import tempfile

    with tempfile.TemporaryDirectory() as media:
        from django.conf import settings

        settings.MEDIA_ROOT = media
        stored = []
        enc = best(lambda: stored.append(uploads.store(payload, folder="imports")), args.repeat)
        dec = best(lambda: uploads.read(stored[-1].path), args.repeat)
    print(
        f"upload {args.upload_mb} MB: store (SHA-256 + AES-GCM + write) {enc:.3f} s, read back {dec:.3f} s"
    )

    text = sheets.csv_bytes(rows, bom=False).decode("utf-8").encode("gb18030")
    read = best(lambda: sheets.read_rows(text), args.repeat)
    print(f"read_rows GB18030 CSV {len(text) / 2**20:.1f} MB, {args.rows:,} rows: {read:.2f} s")
    print(f"load average {load:.2f} → {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
