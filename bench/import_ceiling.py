#!/usr/bin/env python3
"""The largest import the server allows, measured: time and the server's peak memory.

Each case runs against a fresh server (so that its peak resident size, VmHWM, is the
import's own) on a fresh database, with sheets of MAX_IMPORT_ROWS rows (20,000 by
default): the pairing list as CSV and as XLSX, and monitored households as CSV and XLSX
(every ID number valid, distinct and born in the past), each as a dry run and for real.

Usage:
  cargo build --release -p api --bin zhenxing
  python3 bench/import_ceiling.py target/release/zhenxing [--rows 20000] \
      [--postgres postgres://postgres@127.0.0.1:5432/postgres]
Standard library only; traffic to 127.0.0.1 only.
"""
import argparse
import base64
import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from pairing_sheet import COUNTIES, credit_code  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "bench-only-password-7"
PORT = 18095
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECKS = "10X98765432"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def id_number(n):
    """A valid ID number of someone born between 1940 and 1999, distinct per n."""
    year = 1940 + n % 60
    # Distinct: n // 1000 picks the month and day, n % 1000 the sequence number.
    k = n // 1000
    first17 = "530102%04d%02d%02d%03d" % (year, 1 + k % 12, 1 + (k // 12) % 28, n % 1000)
    check = ID_CHECKS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]
    return first17 + check


def villages():
    with open(os.path.join(ROOT, "data", "yunnan-regions-2023.csv"), encoding="utf-8") as f:
        return [r["code"] for r in csv.DictReader(f)
                if r["level"] == "village" and r["code"].startswith("530102")]


def pairing_rows(n):
    rng = random.Random(42)
    header = ["组织名称", "统一社会信用代码", "县（市、区）", "批次"]
    rows = []
    for i in range(n):
        org = i // 2
        county = COUNTIES[(org + i % 2 * 7) % len(COUNTIES)]
        rows.append(["测试社会组织%05d" % org, credit_code(org), county, str(rng.randint(1, 3))])
    return header, rows


def household_rows(n):
    vs = villages()
    header = ["村代码", "户主姓名", "身份证号", "家庭人口", "监测类别", "联系电话", "备注"]
    cats = ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
    rows = []
    seen = set()
    for i in range(n):
        idn = id_number(i)
        assert idn not in seen, idn
        seen.add(idn)
        name = "张王李赵刘陈杨黄"[i % 8] + "明华国建秀英"[i // 8 % 6] + "一二三四五"[i // 48 % 5]
        rows.append([vs[i % len(vs)], name, idn, str(1 + i % 6), cats[i % 3],
                     "138%08d" % i, "演示数据（合成）"])
    return header, rows


def as_csv(header, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def as_xlsx(header, rows):
    """A minimal workbook with inline strings."""
    def esc(t):
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    sheet = io.StringIO()
    sheet.write('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for r, cells in enumerate([header] + rows, start=1):
        sheet.write('<row r="%d">' % r)
        for c, v in enumerate(cells):
            sheet.write('<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (col(c), r, esc(v)))
        sheet.write("</row>")
    sheet.write("</sheetData></worksheet>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet.getvalue())
    return buf.getvalue()


def request(base, method, path, token=None, body=None, content_type=None, timeout=600):
    req = urllib.request.Request(base + path, data=body, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def vm(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, binary, postgres):
        self.dir = tempfile.mkdtemp(prefix="zhenxing-bench-")
        env = dict(os.environ, BIND_ADDR="127.0.0.1:%d" % PORT, RUST_LOG="warn",
                   BOOTSTRAP_ADMIN_PASSWORD=PASSWORD, WORKERS="2")
        self.pg_db = None
        if postgres:
            self.pg_db = "zhenxing_bench_%d" % os.getpid()
            subprocess.run(["psql", postgres, "-qc", "DROP DATABASE IF EXISTS %s" % self.pg_db], check=True,
                           env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))
            subprocess.run(["psql", postgres, "-qc", "CREATE DATABASE %s" % self.pg_db], check=True)
            self.admin_url = postgres
            env["DATABASE_URL"] = postgres.rsplit("/", 1)[0] + "/" + self.pg_db
            env["JWT_SECRET"] = base64.b64encode(os.urandom(48)).decode()
            env["PII_KEY"] = base64.b64encode(os.urandom(32)).decode()
        else:
            env["DATABASE_URL"] = "sqlite://%s/bench.db" % self.dir
        self.proc = subprocess.Popen([binary, "serve"], cwd=self.dir, env=env,
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "log"), "w"))
        self.base = "http://127.0.0.1:%d" % PORT
        for _ in range(600):
            try:
                if request(self.base, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        status, body = request(self.base, "POST", "/api/v1/auth/login",
                               body=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
                               content_type="application/json")
        assert status == 200, body
        self.token = json.loads(body)["access_token"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        if self.pg_db:
            subprocess.run(["psql", self.admin_url, "-qc", "DROP DATABASE IF EXISTS %s" % self.pg_db], check=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--postgres")
    args = ap.parse_args()
    sheets = {
        "pairings": pairing_rows(args.rows),
        "households": household_rows(args.rows),
    }
    print("| import | format | size | dry run | s | answer | peak RSS (MiB) | RSS before (MiB) |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, (header, rows) in sheets.items():
        for fmt, make, ctype in [("CSV", as_csv, "text/csv"), ("XLSX", as_xlsx, XLSX)]:
            body = make(header, rows)
            for dry in (True, False):
                server = Server(args.binary, args.postgres)
                try:
                    before = vm(server.proc.pid, "VmHWM")
                    started = time.monotonic()
                    status, answer = request(server.base, "POST", "/api/v1/imports/%s%s" % (
                        kind, "?dry_run=true" if dry else ""), server.token, body, ctype)
                    took = time.monotonic() - started
                    peak = vm(server.proc.pid, "VmHWM")
                finally:
                    server.stop()
                report = json.loads(answer)
                assert status == 200 and report.get("valid"), (status, answer[:500])
                print("| %s %d rows | %s | %.0f KB | %s | %.2f | %d, %.0f KB | %.0f | %.0f |" % (
                    kind, args.rows, fmt, len(body) / 1024, "yes" if dry else "no", took,
                    status, len(answer) / 1024, peak, before))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
