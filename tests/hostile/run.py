#!/usr/bin/env python3
"""The hostile-input suite (issue 16): feeds a running zhenxing server inputs an
attacker or a careless client would send, and fails when any of them hurts it.

    python3 tests/hostile/run.py http://127.0.0.1:18091 --pid PID \\
        [--admin-password P] [--report FILE] [--only GLOB,...] [--list]

A case fails when its answer is a 5xx, when there is no complete answer (timeout,
connection reset or closed), when an error answer is not problem+json (DESIGN.md §4;
only a WARN for the raw HTTP-level cases while the server team decides how actix's
own errors are answered), when the answer is larger than --max-answer-mib, when it
takes longer than --max-seconds, when a case names the statuses that are right and
the answer is another, or when afterwards the process is gone or GET /healthz does
not answer. At the end the process's peak memory (VmHWM) must be below
--max-rss-mib. The suite needs the server's pid because a crash is what it looks for,
and /proc/PID/status is where the peak memory is.

Set-up is done through the API as the bootstrap admin: a county officer of 530102,
an organization paired with 530102, and a user of it. Only the standard library is
used, so CI needs nothing from PyPI for this step; the spreadsheets are built in
memory, and large uploads are produced in chunks as they are sent.

Cases run from the cheap and survivable to the dangerous (the sparse sheet last), so
that a crash hides as few results as possible; after a crash the remaining cases are
listed as not run. The statistics cases expect a server started with
STATS_CACHE_SECONDS=0 (as .ci/run does), or a cached figure may hide an overflow.
Grow the corpus whenever a parser of untrusted input is added.
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import io
import json
import os
import select
import socket
import struct
import sys
import time
import urllib.parse
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable

KiB = 1 << 10
MiB = 1 << 20

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
JSON = "application/json"
PROBLEM = "application/problem+json"

# How much of an answer's body is kept for the report (all of it is counted).
KEEP = 64 * KiB

COUNTY = "530102"
VILLAGE = "530102001001"
ORG_NAME = "云南省抗压测试促进会"
SETUP_PASSWORD = "hostile-suite-pw-0123"

I64_MAX = 9223372036854775807


# --- HTTP over a plain socket -------------------------------------------------------
#
# urllib and http.client normalize or refuse much of what this suite has to send
# (huge header blocks, bad methods, invalid percent-encoding), stop at the first
# error while sending, and do not say how large a streamed answer was; a small
# client of our own does all of that the same way for every case.


@dataclass
class Body:
    """A request body of known length, produced in chunks while it is sent, so that a
    30 MB upload is never built in memory."""

    length: int
    chunks: Callable[[], Iterable[bytes]]


def body_of(data: bytes) -> Body:
    return Body(len(data), lambda: (data,))


def repeated(head: bytes, unit: bytes, count: int, tail: bytes = b"") -> Body:
    """`head`, `unit` `count` times, then `tail`."""
    per = max(1, MiB // max(1, len(unit)))

    def chunks() -> Iterable[bytes]:
        yield head
        full, rest = divmod(count, per)
        block = unit * per
        for _ in range(full):
            yield block
        if rest:
            yield unit * rest
        yield tail

    return Body(len(head) + len(unit) * count + len(tail), chunks)


@dataclass
class Answer:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    size: int = 0  # body bytes, after de-chunking
    kept: bytes = b""  # the first KEEP bytes of the body
    seconds: float = 0.0
    error: str | None = None  # no complete answer: why
    send_error: str | None = None  # the upload was cut short (the server answered early)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> object:
        return json.loads(self.kept)

    def snippet(self, limit: int = 300) -> str:
        text = self.kept[:limit].decode("utf-8", "replace")
        text = " ".join(text.split())
        return text + ("…" if self.size > limit else "")


class EarlyAnswer(Exception):
    """The server answered (or closed) before the whole request was sent."""


class Deadline(Exception):
    pass


class Client:
    def __init__(self, port: int):
        self.port = port

    def exchange(self, head: bytes, body: Body | None, timeout: float,
                 keep: int = KEEP) -> Answer:
        """Sends one request (head and body as given) on a new connection and reads the
        whole answer, within `timeout` seconds."""
        ans = Answer()
        start = time.monotonic()
        deadline = start + timeout
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=min(timeout, 10))
        except OSError as e:
            ans.error = f"cannot connect: {e}"
            ans.seconds = time.monotonic() - start
            return ans
        with sock:
            try:
                self._send(sock, head, deadline)
                if body is not None:
                    for chunk in body.chunks():
                        self._send(sock, chunk, deadline)
            except EarlyAnswer:
                ans.send_error = "the server answered before the whole request was sent"
            except Deadline:
                ans.error = f"no answer within {timeout:.0f}s (still sending the request)"
            except OSError as e:
                # Reset or broken pipe: the server may still have answered first.
                ans.send_error = f"sending failed: {e.__class__.__name__}: {e}"
            if ans.error is None:
                try:
                    self._read(sock, ans, deadline, keep)
                except Deadline:
                    ans.error = f"no complete answer within {timeout:.0f}s"
                except ConnectionResetError:
                    ans.error = "connection reset" + (
                        " after the status line" if ans.status else " without an answer")
                except OSError as e:
                    ans.error = f"reading the answer failed: {e.__class__.__name__}: {e}"
                except ValueError as e:
                    ans.error = f"malformed answer: {e}"
        ans.seconds = time.monotonic() - start
        if ans.error and ans.send_error:
            ans.error += f" ({ans.send_error})"
        return ans

    @staticmethod
    def _remaining(deadline: float) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Deadline()
        return left

    def _send(self, sock: socket.socket, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            readable, writable, _ = select.select([sock], [sock], [], self._remaining(deadline))
            if readable:
                # An early 413/400 (or a close): stop sending and read what it says.
                raise EarlyAnswer()
            if writable:
                sock.settimeout(self._remaining(deadline))
                sent = sock.send(view[: 256 * KiB])
                view = view[sent:]

    def _recv(self, sock: socket.socket, deadline: float) -> bytes:
        sock.settimeout(self._remaining(deadline))
        try:
            return sock.recv(256 * KiB)
        except TimeoutError:
            raise Deadline() from None

    def _read(self, sock: socket.socket, ans: Answer, deadline: float, keep: int) -> None:
        buf = b""
        while b"\r\n\r\n" not in buf:
            data = self._recv(sock, deadline)
            if not data:
                raise ConnectionResetError() if not buf else ValueError("head cut short")
            buf += data
            if len(buf) > MiB:
                raise ValueError("answer head over 1 MiB")
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ValueError(f"status line {lines[0][:80]!r}")
        ans.status = int(parts[1])
        for line in lines[1:]:
            name, _, value = line.partition(":")
            ans.headers[name.strip().lower()] = value.strip()
        kept = bytearray()

        def take(data: bytes) -> None:
            ans.size += len(data)
            if len(kept) < keep:
                kept.extend(data[: keep - len(kept)])

        def more() -> bytes:
            data = self._recv(sock, deadline)
            if not data:
                raise ConnectionResetError()
            return data

        if "chunked" in ans.headers.get("transfer-encoding", "").lower():
            while True:
                while b"\r\n" not in rest:
                    rest += more()
                size_line, rest = rest.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                while len(rest) < size + 2:
                    rest += more()
                take(rest[:size])
                rest = rest[size + 2:]
        elif "content-length" in ans.headers:
            length = int(ans.headers["content-length"])
            take(rest[:length])
            while ans.size < length:
                take(more()[: length - ans.size])
        else:
            take(rest)
            while True:
                data = self._recv(sock, deadline)
                if not data:
                    break
                take(data)
        ans.kept = bytes(kept)


class Server:
    def __init__(self, base: str, pid: int):
        parts = urllib.parse.urlsplit(base)
        # Hostile traffic goes to this machine only.
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"run.py: BASE_URL must be http://127.0.0.1:PORT, not {base}")
        self.port = parts.port or 80
        self.pid = pid
        self.client = Client(self.port)
        self.host = f"127.0.0.1:{self.port}"

    def request(self, method: str, target: str, *, token: str | None = None,
                content_type: str | None = None, body: bytes | Body | None = None,
                headers: Iterable[tuple[str, str]] = (), timeout: float = 30,
                keep: int = KEEP) -> Answer:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}", "Connection: close",
                 "User-Agent: zhenxing-hostile-suite", "Accept-Language: en"]
        if token:
            lines.append(f"Authorization: Bearer {token}")
        if isinstance(body, bytes):
            body = body_of(body)
        if body is not None:
            lines.append(f"Content-Type: {content_type or JSON}")
            lines.append(f"Content-Length: {body.length}")
        lines.extend(f"{k}: {v}" for k, v in headers)
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        return self.client.exchange(head, body, timeout, keep)

    def raw(self, data: bytes, timeout: float = 30) -> Answer:
        return self.client.exchange(data, None, timeout)

    # The process, from /proc.

    def state(self) -> str | None:
        """The process's state letter, or None when there is no such process."""
        try:
            with open(f"/proc/{self.pid}/status", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("State:"):
                        return line.split()[1]
        except OSError:
            return None
        return None

    def running(self) -> bool:
        # A zombie (Z) or dead (X) process has exited; its parent has not reaped it yet.
        state = self.state()
        return state is not None and state not in ("Z", "X")

    def vm_hwm_kib(self) -> int | None:
        try:
            with open(f"/proc/{self.pid}/status", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def cpu_seconds(self) -> float | None:
        try:
            with open(f"/proc/{self.pid}/stat", encoding="utf-8") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime, fields 14 and 15 of stat(5), counted after the name.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, within: float) -> float:
        """Waits (at most `within` seconds) until the process is nearly idle; returns
        how long that took. After the suite gave up on a case the server may still be
        working on it, holding the database and the CPU, and the next cases would be
        blamed for what it does."""
        start = time.monotonic()
        while time.monotonic() - start < within:
            before = self.cpu_seconds()
            time.sleep(1)
            after = self.cpu_seconds()
            if before is None or after is None or after - before < 0.1:
                break
        return time.monotonic() - start

    def healthy(self, within: float) -> bool:
        deadline = time.monotonic() + within
        while True:
            ans = self.request("GET", "/healthz", timeout=5)
            if ans.status == 200:
                return True
            if time.monotonic() >= deadline or not self.running():
                return False
            time.sleep(0.5)


# --- Spreadsheets ---------------------------------------------------------------------
#
# Minimal SpreadsheetML: [Content_Types].xml, _rels/.rels, xl/workbook.xml,
# xl/_rels/workbook.xml.rels, xl/worksheets/sheet1.xml and, when a sheet uses them,
# xl/sharedStrings.xml. The control cases check that the server reads these files at
# all, or every other spreadsheet case would only ever test "not an XLSX".

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def content_types(shared: bool) -> bytes:
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = [
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>',
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>',
    ]
    if shared:
        parts.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>')
    return (XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(parts) + "</Types>").encode()


PACKAGE_RELS = (XML_DECL + f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
                f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode()
WORKBOOK = (XML_DECL + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>').encode()


def workbook_rels(shared: bool) -> bytes:
    rels = f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared:
        rels += f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    return (XML_DECL + f'<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>').encode()


def sheet_head(dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (XML_DECL + f'<worksheet xmlns="{MAIN_NS}">{dim}<sheetData>').encode()


SHEET_TAIL = b"</sheetData></worksheet>"


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def col_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA; past XFD (16383) too."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def c_inline(text: str, ref: str | None = None) -> str:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def c_shared(index: int) -> str:
    return f'<c t="s"><v>{index}</v></c>'


def row_xml(cells: Iterable[str], r: int | None = None) -> str:
    attr = f' r="{r}"' if r else ""
    return f"<row{attr}>{''.join(cells)}</row>"


def inline_row(values: Iterable[str], r: int | None = None) -> str:
    """A row of inline strings; the values are already XML text."""
    return row_xml((c_inline(v) for v in values), r)


def shared_strings(strings: list[str]) -> bytes:
    items = "".join(f'<si><t xml:space="preserve">{esc(s)}</t></si>' for s in strings)
    return (XML_DECL + f'<sst xmlns="{MAIN_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">'
            f"{items}</sst>").encode()


def xlsx(sheet: bytes | Iterable[bytes], strings: list[str] | None = None) -> bytes:
    """A workbook of one sheet (its XML given whole or in chunks), built with zipfile."""
    shared = strings is not None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types(shared))
        z.writestr("_rels/.rels", PACKAGE_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", workbook_rels(shared))
        if shared:
            z.writestr("xl/sharedStrings.xml", shared_strings(strings))
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            for chunk in [sheet] if isinstance(sheet, bytes) else sheet:
                f.write(chunk)
    return buf.getvalue()


# Zip bombs and lying headers are written by hand: zipfile would have to deflate the
# gigabytes for real (about 3 s per GiB) and cannot write a size that is not true.


@dataclass
class RawEntry:
    name: str
    data: bytes  # as stored (deflated when method is 8)
    method: int
    crc: int
    size: int  # the true uncompressed size
    declared_size: int | None = None  # what the headers say instead, for a lie


def stored(name: str, data: bytes) -> RawEntry:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return RawEntry(name, c.compress(data) + c.flush(), 8, zlib.crc32(data), len(data))


def raw_zip(entries: list[RawEntry]) -> bytes:
    out = bytearray()
    central = bytearray()
    for e in entries:
        offset = len(out)
        name = e.name.encode()
        size = e.size if e.declared_size is None else e.declared_size
        # Version 2.0, no flags, DOS date 1980-01-01.
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, e.method, 0, 0x21,
                           e.crc, len(e.data), size, len(name), 0)
        out += name + e.data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, e.method, 0, 0x21,
                               e.crc, len(e.data), size, len(name), 0, 0, 0, 0, 0, offset)
        central += name
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                       len(central), cd_offset, 0)
    return bytes(out)


def deflated_run(prefix: bytes, fill_byte: bytes, mib: int, suffix: bytes,
                 name: str) -> RawEntry:
    """`prefix`, `mib` MiB of `fill_byte`, `suffix`, deflated in milliseconds: a 1 MiB
    block compressed once after a full flush is byte-aligned and independent of what
    came before, so the stream is that block's output repeated."""

    def segment(data: bytes, mode: int) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(mode)

    block = fill_byte * MiB
    data = segment(prefix, zlib.Z_FULL_FLUSH) + segment(block, zlib.Z_FULL_FLUSH) * mib \
        + segment(suffix, zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    return RawEntry(name, data, 8, crc, len(prefix) + mib * MiB + len(suffix))


def package(sheet: RawEntry, strings: RawEntry | None = None) -> bytes:
    entries = [stored("[Content_Types].xml", content_types(strings is not None)),
               stored("_rels/.rels", PACKAGE_RELS),
               stored("xl/workbook.xml", WORKBOOK),
               stored("xl/_rels/workbook.xml.rels", workbook_rels(strings is not None)),
               sheet]
    if strings is not None:
        entries.append(strings)
    return raw_zip(entries)


# --- What each import reads -------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    key: str
    path: str
    token: str  # which set-up account uploads: "county" or "admin"
    header: tuple[str, ...]
    good: tuple[str, ...]  # a valid row (the control cases expect it to be read)
    bad: tuple[str, ...]  # a row with an error in every cell
    short_csv_row: bytes  # a row short enough that a million fit under MAX_IMPORT_BYTES
    # Which cell holds a name and which a code (for NUL and formula cells).
    name_col: int
    code_col: int


HOUSEHOLDS = Import(
    key="households",
    path="/api/v1/imports/households?dry_run=true",
    token="county",
    header=("村代码", "户主姓名", "身份证号", "联系电话", "家庭人口", "监测类别", "备注"),
    good=(VILLAGE, "张三丰", "11010519491231002X", "13812345678", "3", "脱贫不稳定户", "入户核实"),
    bad=("99999999999X", "", "123", "phone?", "-1", "不是类别", ""),
    # Every cell wrong (a million rows of valid households would not fit in 32 MiB).
    short_csv_row=b"x,x,x,x,x,x,x\n",
    name_col=1,
    code_col=0,
)
PAIRINGS = Import(
    key="pairings",
    path="/api/v1/imports/pairings?dry_run=true",
    token="admin",
    header=("组织名称", "统一社会信用代码", "县", "批次"),
    good=("云南省乡村振兴促进会", "51530000MJ0123456F", "五华区", "1"),
    bad=("", "NOT-A-CREDIT-CODE", "不存在的县", "-7"),
    short_csv_row=b"X,51530000MJ0123456F,530102,1\n",
    name_col=0,
    code_col=1,
)
IMPORTS = (HOUSEHOLDS, PAIRINGS)


def csv_line(values: Iterable[str]) -> bytes:
    return (",".join(values) + "\n").encode("utf-8")


def csv_doc(imp: Import, rows: Iterable[Iterable[str]]) -> bytes:
    return csv_line(imp.header) + b"".join(csv_line(r) for r in rows)


def replaced(imp: Import, row: tuple[str, ...], name: str | None = None,
             code: str | None = None) -> list[str]:
    out = list(row)
    if name is not None:
        out[imp.name_col] = name
    if code is not None:
        out[imp.code_col] = code
    return out


def shared_sheet(imp: Import, rows: list[tuple[str, ...]], count: int) -> tuple[Iterable[bytes], list[str]]:
    """A sheet of the header and `count` rows cycling through `rows`, all cells shared
    strings and no `r` attributes, so that a million rows deflate to a few KB."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def s(value: str) -> int:
        if value not in index:
            index[value] = len(strings)
            strings.append(value)
        return index[value]

    header = row_xml(c_shared(s(v)) for v in imp.header).encode()
    encoded = [row_xml(c_shared(s(v)) for v in r).encode() for r in rows]
    cycle = b"".join(encoded)
    per = max(1, 10_000 // len(rows))

    def chunks() -> Iterable[bytes]:
        yield sheet_head()
        yield header
        full, rest = divmod(count, per * len(rows))
        block = cycle * per
        for _ in range(full):
            yield block
        left = rest
        while left:
            take = min(left, len(rows))
            yield b"".join(encoded[:take])
            left -= take
        yield SHEET_TAIL

    return chunks(), strings


def inline_sheet(rows: Iterable[str], dimension: str | None = None) -> bytes:
    return sheet_head(dimension) + "".join(rows).encode() + SHEET_TAIL


def header_row(imp: Import) -> str:
    return inline_row(esc(h) for h in imp.header)


def good_row(imp: Import) -> str:
    return inline_row(esc(v) for v in imp.good)


# The spreadsheets are the same for every run and some take a second to build: cache.


@functools.lru_cache(maxsize=None)
def xlsx_control(imp: Import) -> bytes:
    chunks, strings = shared_sheet(imp, [imp.good, imp.good], 2)
    return xlsx(chunks, strings)


@functools.lru_cache(maxsize=None)
def xlsx_million_rows(imp: Import) -> bytes:
    chunks, strings = shared_sheet(imp, [imp.good], 1_000_000)
    return xlsx(chunks, strings)


@functools.lru_cache(maxsize=None)
def xlsx_bad_rows(imp: Import) -> bytes:
    chunks, strings = shared_sheet(imp, [imp.bad], 300_000)
    return xlsx(chunks, strings)


@functools.lru_cache(maxsize=None)
def xlsx_sparse(imp: Import) -> bytes:
    # One cell at A1 (well, the header across A1…) and one at XFD1048576: the dense
    # used range is 16384 × 1048576 cells.
    header = row_xml((c_inline(esc(h), f"{col_letters(i)}1") for i, h in enumerate(imp.header)), 1)
    far = row_xml(['<c r="XFD1048576"><v>1</v></c>'], 1048576)
    return xlsx(inline_sheet([header, far]))


@functools.lru_cache(maxsize=None)
def xlsx_dimension_lies(imp: Import) -> bytes:
    # Two small rows under a <dimension> claiming the whole grid (a reader that
    # reserves the declared range allocates the same 16384 × 1048576 cells).
    return xlsx(inline_sheet([header_row(imp), good_row(imp)], dimension="A1:XFD1048576"))


@functools.lru_cache(maxsize=None)
def xlsx_wide(imp: Import) -> bytes:
    # 20,000 columns in row 1 (past Excel's XFD = 16,384), and a row below.
    cells = [c_inline(esc(h), f"{col_letters(i)}1") for i, h in enumerate(imp.header)]
    cells += [c_inline(f"x{i}", f"{col_letters(i)}1") for i in range(len(imp.header), 20_000)]
    return xlsx(inline_sheet([row_xml(cells, 1), row_xml(
        (c_inline(esc(v), f"{col_letters(i)}2") for i, v in enumerate(imp.good)), 2)]))


CONTROL = "".join(chr(c) for c in (0, 1, 2, 7, 8, 11, 12, 27, 127))
# NUL and other control characters in a name and in a code, three ways: raw (which is
# not well-formed XML, so a strict reader refuses the whole file), as character
# references, and as Excel's own _xHHHH_ escapes (which readers turn into the
# characters themselves).
CONTROL_FORMS = {
    "raw": (f"促进{CONTROL}会", CONTROL),
    "char_refs": ("促&#0;进&#1;会&#27;", "&#0;&#31;"),
    "excel_escapes": ("促_x0000_进_x001B_会", "_x0000_"),
}


@functools.lru_cache(maxsize=None)
def xlsx_control_chars(imp: Import, form: str) -> bytes:
    name, code_tail = CONTROL_FORMS[form]
    values = [esc(v) for v in imp.good]
    values[imp.name_col] = name
    values[imp.code_col] = esc(imp.good[imp.code_col]) + code_tail
    return xlsx(inline_sheet([header_row(imp), inline_row(values), good_row(imp)]))


@functools.lru_cache(maxsize=None)
def xlsx_formulas(imp: Import) -> bytes:
    rows = [header_row(imp)]
    # A formula cell with a cached value, a shared formula over the whole column, and
    # text that spreadsheet programs would take for a formula.
    formula = ('<c t="str"><f>HYPERLINK("http://127.0.0.1/x","协议")</f>'
               f"<v>{esc(imp.good[imp.name_col])}</v></c>")
    shared_f = '<c><f t="shared" ref="A2:XFD1048576" si="0">1+1</f><v>2</v></c>'
    cells = [c_inline(esc(v)) for v in imp.good]
    cells[imp.name_col] = formula
    rows.append(row_xml(cells))
    cells = [c_inline(esc(v)) for v in imp.good]
    cells[imp.name_col] = shared_f
    rows.append(row_xml(cells))
    for lead in ["=1+2", '=HYPERLINK("http://127.0.0.1/x","协议")', "+1", "-1", "@SUM(A1)",
                 "=cmd|' /C calc'!A0", "\t=1", "\r=1"]:
        values = [esc(v) for v in imp.good]
        values[imp.name_col] = esc(lead)
        rows.append(inline_row(values))
    return xlsx(inline_sheet(rows))


def bomb_header(imp: Import) -> bytes:
    return sheet_head() + header_row(imp).encode()


@functools.lru_cache(maxsize=None)
def xlsx_bomb_shared_strings(imp: Import, gib: int) -> bytes:
    # The sheet is small and names shared string 0, which is `gib` GiB of "A".
    cells = [c_inline(esc(v)) for v in imp.good]
    cells[imp.name_col] = c_shared(0)
    sheet = stored("xl/worksheets/sheet1.xml", bomb_header(imp) + row_xml(cells).encode() + SHEET_TAIL)
    strings = deflated_run(
        (XML_DECL + f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>').encode(),
        b"A", gib * 1024, b"</t></si></sst>", "xl/sharedStrings.xml")
    return package(sheet, strings)


@functools.lru_cache(maxsize=None)
def xlsx_bomb_sheet(imp: Import, gib: int, declared: int | None = None) -> bytes:
    # sheet1.xml: the header row, then one inline string of `gib` GiB of "A".
    sheet = deflated_run(bomb_header(imp) + b'<row><c t="inlineStr"><is><t>', b"A", gib * 1024,
                         b"</t></is></c></row>" + SHEET_TAIL, "xl/worksheets/sheet1.xml")
    sheet.declared_size = declared
    return package(sheet)


@functools.lru_cache(maxsize=None)
def xlsx_size_lies_huge(imp: Import) -> bytes:
    # A small valid sheet whose headers claim it inflates to almost 4 GiB (a reader
    # that reserves the declared size allocates that much).
    sheet = stored("xl/worksheets/sheet1.xml", inline_sheet([header_row(imp), good_row(imp)]))
    sheet.declared_size = 0xFFFFFFF0
    return package(sheet)


@functools.lru_cache(maxsize=None)
def xlsx_no_workbook(imp: Import) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types(False))
        z.writestr("_rels/.rels", PACKAGE_RELS)
        z.writestr("xl/worksheets/sheet1.xml", inline_sheet([header_row(imp), good_row(imp)]))
    return buf.getvalue()


def xlsx_truncated(imp: Import) -> bytes:
    whole = xlsx(inline_sheet([header_row(imp)] + [good_row(imp)] * 200))
    return whole[: len(whole) // 2]


# --- JSON bodies ------------------------------------------------------------------------


def credit_code(n: int, prefix: str = "51530000") -> str:
    """A valid credit code (GB 32100-2015, with the GB 11714 organization code inside):
    the same as tests::credit_code_with."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = f"MJ{n:06d}"

    def value11(ch: str) -> int:
        return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10

    total = sum(value11(ch) * w for ch, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2]))
    c9 = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    first17 = prefix + body + c9
    weight, total = 1, 0
    for ch in first17:
        total += alphabet.index(ch) * weight
        weight = weight * 3 % 31
    return first17 + alphabet[(31 - total % 31) % 31]


assert credit_code(12345) == "51530000MJ0123456F"
assert credit_code(0) == "51530000MJ000000X3"


@dataclass(frozen=True)
class JsonTarget:
    key: str
    path: str
    token: str | None  # "admin", "org" or None
    text_field: str  # a string field, for NUL, surrogates and invalid UTF-8
    number_field: str  # the field the overflow numbers go into


JSON_TARGETS = (
    JsonTarget("login", "/api/v1/auth/login", None, "username", "password"),
    JsonTarget("organizations", "/api/v1/organizations", "admin", "name", "name"),
    JsonTarget("projects", "/api/v1/projects", "org", "title", "committed_fen"),
)


def base_body(target: JsonTarget, ctx: "Context", case: str) -> dict:
    if target.key == "login":
        # Never the admin: a failed login of a made-up user costs no lockout that
        # matters (all set-up logins are done by now).
        return {"username": f"hostile-{case}", "password": "not-the-password-1"}
    if target.key == "organizations":
        n = ctx.next_code()
        return {"name": f"云南省抗压测试会{n}", "credit_code": credit_code(n),
                "org_type": "social_group", "level": "provincial", "sector": "charity",
                "registration_region_code": "53"}
    return {"county_code": COUNTY, "title": "翠湖社区养老食堂", "category": "elderly_care",
            "dimension": "organization", "committed_fen": 1_000_000, "disbursed_fen": 0,
            "beneficiaries": 0}


def spliced(body: dict, field_name: str, raw: bytes) -> bytes:
    """`body` as JSON with `field_name`'s value replaced by `raw` bytes as they are."""
    marker = "@@HOSTILE@@"
    text = json.dumps({**body, field_name: marker}, ensure_ascii=False).encode()
    return text.replace(json.dumps(marker).encode(), raw)


# --- The cases --------------------------------------------------------------------------


@dataclass
class Context:
    server: Server
    args: argparse.Namespace
    tokens: dict[str, str] = field(default_factory=dict)
    code_counter: int = 900_100

    def next_code(self) -> int:
        self.code_counter += 1
        return self.code_counter

    def send(self, method: str, target: str, token: str | None = None, **kw) -> Answer:
        return self.server.request(method, target, token=self.tokens.get(token or ""),
                                   timeout=self.args.max_seconds, **kw)


@dataclass
class Case:
    name: str
    run: Callable[[Context], Answer]
    expect: tuple[int, ...] = ()  # when only these statuses are right
    http_level: bool = False  # actix's own answers: non-problem+json is a WARN for now


def json_cases() -> list[Case]:
    cases: list[Case] = []
    numbers = [("i64_max", b"9223372036854775807"), ("i64_max_plus_1", b"9223372036854775808"),
               ("i64_min_minus_1", b"-9223372036854775809"), ("1e400", b"1e400"),
               ("minus_zero", b"-0")]
    for t in JSON_TARGETS:
        def post(ctx: Context, body: bytes | Body, t: JsonTarget = t,
                 content_type: str = JSON) -> Answer:
            return ctx.send("POST", t.path, t.token, body=body, content_type=content_type)

        def add(name: str, make: Callable[[Context, str], bytes | Body],
                expect: tuple[int, ...] = (), content_type: str = JSON,
                t: JsonTarget = t) -> None:
            full = f"json.{t.key}.{name}"
            cases.append(Case(full, lambda ctx, make=make, full=full, ct=content_type, t=t:
                              post(ctx, make(ctx, full.replace(".", "-")), t, ct), expect))

        add("deep_array_100k", lambda ctx, c: b"[" * 100_000 + b"]" * 100_000)
        add("deep_object_100k", lambda ctx, c: b'{"a":' * 100_000 + b"0" + b"}" * 100_000)
        add("array_of_numbers_900kb",
            lambda ctx, c: b"[" + b"1," * (450 * KiB) + b"1]")
        add("nul_in_string", lambda ctx, c, t=t: json.dumps(
            {**base_body(t, ctx, c), t.text_field: "hostile\u0000nul"}).encode())
        add("nul_in_key", lambda ctx, c, t=t: json.dumps(
            {**base_body(t, ctx, c), "na\u0000me": "x"}).encode())
        add("lone_surrogate", lambda ctx, c, t=t: spliced(
            base_body(t, ctx, c), t.text_field, b'"\\ud800"'))
        add("invalid_utf8", lambda ctx, c, t=t: spliced(
            base_body(t, ctx, c), t.text_field, b'"\xff\xfe\xc3("'))
        for label, raw in numbers:
            add(f"number_{label}", lambda ctx, c, t=t, raw=raw: spliced(
                base_body(t, ctx, c), t.number_field, raw))
        add("array_for_object", lambda ctx, c, t=t: json.dumps(
            list(base_body(t, ctx, c).values())).encode())
        add("body_over_limit", lambda ctx, c, t=t: json.dumps(
            {**base_body(t, ctx, c), t.text_field: "x" * (ctx.args.max_body_bytes + 16 * KiB)}).encode(),
            expect=(413,))
        add("wrong_content_type", lambda ctx, c, t=t: json.dumps(base_body(t, ctx, c)).encode(),
            expect=(415,), content_type="text/plain")
    return cases


def query_cases() -> list[Case]:
    def get(path: str) -> Callable[[Context], Answer]:
        return lambda ctx: ctx.send("GET", path, "admin")

    many = "&".join(["q="] * 10_000)
    cases = [
        ("organizations_q_nul", "/api/v1/organizations?q=%00"),
        ("regions_q_nul", "/api/v1/regions?q=%00"),
        ("pairings_county_nul", "/api/v1/pairings?county=%00"),
        ("page_huge", "/api/v1/organizations?page=99999999999999999999"),
        ("page_size_negative", "/api/v1/organizations?page_size=-1"),
        ("params_10k", f"/api/v1/organizations?{many}"),
        ("percent_zz", "/api/v1/organizations?q=%zz"),
        ("percent_ff_fe", "/api/v1/organizations?q=%ff%fe"),
        ("regions_percent_ff_fe", "/api/v1/regions?q=%ff%fe"),
    ]
    return [Case(f"query.{name}", get(path)) for name, path in cases]


def http_cases() -> list[Case]:
    def raw(make: Callable[[Context], bytes]) -> Callable[[Context], Answer]:
        return lambda ctx: ctx.server.raw(make(ctx), timeout=ctx.args.max_seconds)

    def head(ctx: Context, request_line: str, extra: str = "") -> bytes:
        return (f"{request_line}\r\nHost: {ctx.server.host}\r\nConnection: close\r\n"
                f"Accept-Language: en\r\n{extra}\r\n").encode("latin-1")

    return [
        Case("http.uri_100kb", raw(lambda ctx: head(
            ctx, f"GET /api/v1/regions?q={'a' * 100 * KiB} HTTP/1.1")), http_level=True),
        Case("http.header_64kb", raw(lambda ctx: head(
            ctx, "GET /api/v1/regions HTTP/1.1", f"X-Filler: {'a' * 64 * KiB}\r\n")), http_level=True),
        Case("http.headers_500", raw(lambda ctx: head(
            ctx, "GET /api/v1/regions HTTP/1.1",
            "".join(f"X-Hostile-{i}: {i}\r\n" for i in range(500)))), http_level=True),
        Case("http.bad_method", raw(lambda ctx: head(
            ctx, "G(E)T /api/v1/regions HTTP/1.1")), http_level=True),
        Case("http.unknown_method", raw(lambda ctx: head(
            ctx, "BREW /api/v1/regions HTTP/1.1")), http_level=True),
    ]


def money_cases() -> list[Case]:
    def project(fen: int) -> Callable[[Context], Answer]:
        body = {"county_code": COUNTY, "title": "溢出测试项目", "category": "elderly_care",
                "dimension": "organization", "committed_fen": fen, "disbursed_fen": fen,
                "beneficiaries": I64_MAX}
        return lambda ctx: ctx.send("POST", "/api/v1/projects", "org",
                                    body=json.dumps(body).encode())

    def get(path: str) -> Callable[[Context], Answer]:
        return lambda ctx: ctx.send("GET", path, "admin")

    # Whether the two projects are accepted or refused, the sums must not fail after.
    return [
        Case("money.project_i64_max", project(I64_MAX)),
        Case("money.project_near_i64_max", project(I64_MAX - 1000)),
        Case("money.stats_overview", get("/api/v1/stats/overview")),
        Case("money.stats_prefectures", get("/api/v1/stats/prefectures")),
        Case("money.stats_counties", get("/api/v1/stats/counties")),
        Case("money.export_stats_xlsx", get("/api/v1/exports/stats.xlsx")),
    ]


def upload(imp: Import, content_type: str, make: Callable[[], bytes | Body]) -> Callable[[Context], Answer]:
    return lambda ctx: ctx.send("POST", imp.path, imp.token, body=make(), content_type=content_type)


def csv_cases() -> list[Case]:
    cases = []
    for imp in IMPORTS:
        def add(name: str, make: Callable[[], bytes | Body], expect: tuple[int, ...] = (),
                imp: Import = imp) -> None:
            cases.append(Case(f"csv.{imp.key}.{name}", upload(imp, CSV, make), expect))

        nul_row = replaced(imp, imp.good, name="促进\x00会", code=imp.good[imp.code_col] + "\x00")
        add("control_valid", lambda imp=imp: csv_doc(imp, [imp.good]), expect=(200,))
        add("nul_bytes", lambda imp=imp, r=nul_row: csv_doc(imp, [r, imp.good]))
        add("invalid_utf8_not_gb18030", lambda imp=imp: csv_line(imp.header) + b"\xff\xfe\xff,"
            + csv_line(imp.good[1:]))
        add("unbalanced_quotes", lambda imp=imp: csv_line(imp.header) + b'"' + csv_line(imp.good)
            + b"x,x,x\n" * 100_000)
        add("columns_10k", lambda imp=imp: csv_line(
            list(imp.header) + [f"x{i}" for i in range(10_000 - len(imp.header))])
            + csv_line(list(imp.good) + ["x"] * (10_000 - len(imp.good))) * 10)
        add("line_30mb", lambda: repeated(b"", b"A" * 1_000_000, 30))
        add("rows_1m", lambda imp=imp: repeated(csv_line(imp.header), imp.short_csv_row, 1_000_000))
    return cases


def xlsx_cases(bomb_gib: int) -> list[Case]:
    """Survivable first; the bombs and the sparse sheet (which aborted the process
    when the suite was written) last."""
    early, late = [], []
    for imp in IMPORTS:
        def add(name: str, make: Callable[[], bytes], expect: tuple[int, ...] = (),
                into: list = early, imp: Import = imp) -> None:
            into.append(Case(f"xlsx.{imp.key}.{name}", upload(imp, XLSX, make), expect))

        add("control_valid", lambda imp=imp: xlsx_control(imp), expect=(200,))
        add("not_a_zip", lambda: b"PK\x03\x04 this is not a zip file at all\n" * 200)
        add("truncated_zip", lambda imp=imp: xlsx_truncated(imp))
        add("zip_without_workbook", lambda imp=imp: xlsx_no_workbook(imp))
        for form in CONTROL_FORMS:
            add(f"control_characters_{form}", lambda imp=imp, form=form: xlsx_control_chars(imp, form))
        add("formula_cells", lambda imp=imp: xlsx_formulas(imp))
        add("columns_20k", lambda imp=imp: xlsx_wide(imp))
        add("bad_rows_300k", lambda imp=imp: xlsx_bad_rows(imp))
        add("rows_1m", lambda imp=imp: xlsx_million_rows(imp))
        add("dimension_claims_whole_grid", lambda imp=imp: xlsx_dimension_lies(imp), into=late)
        add("zip_declares_4gib", lambda imp=imp: xlsx_size_lies_huge(imp), into=late)
        add("zip_declares_2kib_inflates_1gib",
            lambda imp=imp: xlsx_bomb_sheet(imp, 1, declared=2 * KiB), into=late)
        add(f"zip_bomb_sheet_{bomb_gib}gib", lambda imp=imp: xlsx_bomb_sheet(imp, bomb_gib), into=late)
        add(f"zip_bomb_shared_strings_{bomb_gib}gib",
            lambda imp=imp: xlsx_bomb_shared_strings(imp, bomb_gib), into=late)
    sparse = [Case(f"xlsx.{imp.key}.sparse_a1_xfd1048576",
                   upload(imp, XLSX, lambda imp=imp: xlsx_sparse(imp))) for imp in IMPORTS]
    return early + late + sparse


def all_cases(args: argparse.Namespace) -> list[Case]:
    return (json_cases() + query_cases() + http_cases() + money_cases() + csv_cases()
            + xlsx_cases(args.bomb_gib))


# --- Set-up -----------------------------------------------------------------------------


class SetupError(Exception):
    pass


def expect_ok(ans: Answer, what: str, statuses: tuple[int, ...] = (200, 201)) -> dict:
    if ans.status not in statuses:
        raise SetupError(f"{what}: {ans.status or ans.error} {ans.snippet(500)}")
    return ans.json() if ans.kept else {}


def setup(ctx: Context, admin_password: str) -> None:
    s = ctx.server
    t = ctx.args.max_seconds

    def login(username: str, password: str) -> str:
        body = json.dumps({"username": username, "password": password}).encode()
        return expect_ok(s.request("POST", "/api/v1/auth/login", body=body, timeout=t),
                         f"log in as {username}")["access_token"]

    admin = login("admin", admin_password)
    ctx.tokens["admin"] = admin

    def post(path: str, body: dict, what: str, ok: tuple[int, ...] = (201,)) -> Answer:
        ans = s.request("POST", path, token=admin, body=json.dumps(body).encode(), timeout=t)
        expect_ok(ans, what, ok + (409,))
        return ans

    # 409 on a second run against the same server: the accounts are there already.
    post("/api/v1/users", {"username": "hostile-county", "display_name": "抗压测试五华区民政局",
                           "role": "county_officer", "region_code": COUNTY,
                           "password": SETUP_PASSWORD}, "create the county officer")
    post("/api/v1/organizations", {"name": ORG_NAME, "credit_code": credit_code(900_001),
                                   "org_type": "social_group", "level": "provincial",
                                   "sector": "charity", "registration_region_code": "53"},
         "create the organization")
    q = urllib.parse.quote(ORG_NAME)
    found = expect_ok(s.request("GET", f"/api/v1/organizations?q={q}", token=admin, timeout=t),
                      "find the organization")
    org_id = next(o["id"] for o in found["items"] if o["name"] == ORG_NAME)
    post("/api/v1/pairings", {"organization_id": org_id, "county_code": COUNTY},
         f"pair the organization with {COUNTY}")
    post("/api/v1/users", {"username": "hostile-org", "display_name": "抗压测试促进会",
                           "role": "org_user", "organization_id": org_id,
                           "password": SETUP_PASSWORD}, "create the organization's user")
    # Every login of the run happens here, before any case can trip the login throttle.
    ctx.tokens["county"] = login("hostile-county", SETUP_PASSWORD)
    ctx.tokens["org"] = login("hostile-org", SETUP_PASSWORD)


# --- Running and judging ----------------------------------------------------------------


@dataclass
class Result:
    case: Case
    answer: Answer | None  # None: not run
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    hwm_kib: int | None = None


def judge(case: Case, ans: Answer, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    failures: list[str] = []
    warnings: list[str] = []
    if ans.error:
        failures.append(f"no complete answer: {ans.error}")
    if ans.status is not None:
        if ans.status >= 500:
            failures.append(f"{ans.status} server error: {ans.snippet()}")
        elif case.expect and ans.status not in case.expect:
            wanted = " or ".join(map(str, case.expect))
            failures.append(f"answered {ans.status}, expected {wanted}: {ans.snippet()}")
        if ans.status >= 400 and ans.media_type != PROBLEM:
            msg = (f"the {ans.status} answer is {ans.media_type or 'without a content type'}, "
                   f"not {PROBLEM}: {ans.snippet(120)!r}")
            (warnings if case.http_level else failures).append(msg)
    limit = args.max_answer_mib * MiB
    if ans.size > limit:
        failures.append(f"answer of {ans.size:,} bytes, over the ceiling of {limit:,}")
    if ans.seconds > args.max_seconds and not ans.error:
        failures.append(f"took {ans.seconds:.1f}s, over the ceiling of {args.max_seconds:.0f}s")
    return failures, warnings


def fmt_mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.0f}"


def row_text(r: Result) -> str:
    a = r.answer
    if a is None:
        status, size, secs = "-", "-", "-"
    else:
        status = str(a.status) if a.status is not None else "none"
        size = f"{a.size:,}"
        secs = f"{a.seconds:.2f}"
    verdict = "not run" if a is None else ("FAIL" if r.failures else ("warn" if r.warnings else "ok"))
    return f"{r.case.name:<58} {status:>6} {size:>13} {secs:>8} {fmt_mib(r.hwm_kib):>8}  {verdict}"


HEADER = f"{'case':<58} {'status':>6} {'bytes':>13} {'seconds':>8} {'hwm MiB':>8}  result"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", help="the server, http://127.0.0.1:PORT")
    parser.add_argument("--pid", type=int, help="the server's process id (required to run)")
    parser.add_argument("--admin-password",
                        default=os.environ.get("ZHENXING_ADMIN_PASSWORD"),
                        help="the bootstrap admin's password (default: $ZHENXING_ADMIN_PASSWORD)")
    parser.add_argument("--report", help="also write the results to this file as JSON")
    parser.add_argument("--only", help="run only the cases matching these comma-separated "
                        "globs, e.g. 'xlsx.*.sparse*,json.login.*' (set-up always runs)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--max-answer-mib", type=float, default=2.0,
                        help="largest answer allowed, for any case (default 2)")
    parser.add_argument("--max-seconds", type=float, default=30.0,
                        help="longest a case may take (default 30)")
    parser.add_argument("--max-rss-mib", type=float, default=400.0,
                        help="highest peak memory (VmHWM) of the server at the end (default 400)")
    parser.add_argument("--max-body-bytes", type=int, default=1 << 20,
                        help="the server's MAX_BODY_BYTES, to size the 413 case (default 1 MiB)")
    parser.add_argument("--bomb-gib", type=int, default=2, choices=range(1, 4),
                        help="uncompressed size of the two zip bombs in GiB (default 2)")
    args = parser.parse_args()

    cases = all_cases(args)
    if args.only:
        globs = [g.strip() for g in args.only.split(",") if g.strip()]
        cases = [c for c in cases if any(fnmatch.fnmatchcase(c.name, g) for g in globs)]
        if not cases:
            parser.error(f"--only {args.only!r} matches no case (see --list)")
    if args.list:
        for c in cases:
            print(c.name)
        return 0
    if args.pid is None:
        parser.error("--pid is required: the suite checks that the process survives")
    if not args.admin_password:
        parser.error("--admin-password (or $ZHENXING_ADMIN_PASSWORD) is required")

    server = Server(args.base_url, args.pid)
    if not server.running():
        print(f"run.py: there is no running process {args.pid}", file=sys.stderr)
        return 2
    if not server.healthy(30):
        print(f"run.py: {args.base_url}/healthz does not answer 200", file=sys.stderr)
        return 2
    ctx = Context(server, args)
    try:
        setup(ctx, args.admin_password)
    except (SetupError, KeyError, StopIteration, ValueError) as e:
        print(f"run.py: set-up failed: {e.__class__.__name__}: {e}", file=sys.stderr)
        return 2

    print(f"hostile-input suite: {len(cases)} cases against {args.base_url} (pid {args.pid}); "
          f"ceilings: {args.max_answer_mib:g} MiB per answer, {args.max_seconds:g} s per case, "
          f"{args.max_rss_mib:g} MiB peak memory")
    print(HEADER, flush=True)
    results: list[Result] = []
    dead: str | None = None
    started = time.monotonic()
    for case in cases:
        if dead:
            results.append(Result(case, None, ["not run: the server died earlier"]))
            continue
        # The answer's seconds start when the connection opens: building the input is
        # not the server's time.
        try:
            ans = case.run(ctx)
        except Exception as e:  # a bug of the suite, not of the server: report it as such
            ans = Answer(error=f"the suite could not run this case: {e.__class__.__name__}: {e}")
        failures, warnings = judge(case, ans, args)
        if not server.running():
            dead = f"the server process {args.pid} is gone after this case"
            failures.append(dead)
        elif not server.healthy(30):
            failures.append("GET /healthz did not answer 200 within 30 s after this case")
        result = Result(case, ans, failures, warnings, server.vm_hwm_kib())
        results.append(result)
        print(row_text(result), flush=True)
        for f in failures:
            print(f"    FAIL: {f}", flush=True)
        for w in warnings:
            print(f"    WARN: {w}", flush=True)
        if ans.error and not dead:
            limit = 2 * args.max_seconds
            waited = server.settle(limit)
            note = ("still busy; the next cases may suffer for it" if waited >= limit
                    else "idle again")
            print(f"    (waited {waited:.0f}s for the server to finish the abandoned request: {note})",
                  flush=True)

    final_hwm = server.vm_hwm_kib()
    last_hwm = next((r.hwm_kib for r in reversed(results) if r.hwm_kib is not None), None)
    hwm = final_hwm if final_hwm is not None else last_hwm
    overall: list[str] = []
    if hwm is not None and hwm > args.max_rss_mib * 1024:
        overall.append(f"peak memory (VmHWM) {hwm / 1024:.0f} MiB, over the ceiling of "
                       f"{args.max_rss_mib:g} MiB")
    if final_hwm is None:
        overall.append("the server process is gone at the end of the run")

    print()
    print(HEADER)
    for r in results:
        print(row_text(r))
    print(f"final VmHWM: {fmt_mib(hwm)} MiB (ceiling {args.max_rss_mib:g} MiB)"
          + ("" if final_hwm is not None else " — last seen before the process died")
          + f"; {time.monotonic() - started:.0f}s in all")

    failed = [r for r in results if r.failures]
    warned = [r for r in results if r.warnings]
    for r in warned:
        for w in r.warnings:
            print(f"WARN {r.case.name}: {w}")
    if args.report:
        report = {
            "base_url": args.base_url,
            "vm_hwm_kib": hwm,
            "overall_failures": overall,
            "cases": [{
                "case": r.case.name,
                "status": r.answer.status if r.answer else None,
                "bytes": r.answer.size if r.answer else None,
                "seconds": round(r.answer.seconds, 3) if r.answer else None,
                "media_type": r.answer.media_type if r.answer else None,
                "vm_hwm_kib_after": r.hwm_kib,
                "failures": r.failures,
                "warnings": r.warnings,
                "answer_start": r.answer.snippet(500) if r.answer else None,
            } for r in results],
        }
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=2)
    if failed or overall:
        print(f"\nFAILED: {len(failed)} of {len(results)} cases" + (
            f", and {len(overall)} overall check(s)" if overall else ""))
        for r in failed:
            for f in r.failures:
                print(f"  {r.case.name}: {f}")
        for f in overall:
            print(f"  overall: {f}")
        return 1
    print(f"\nall {len(results)} cases passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
