"""A hostile corpus: every kind of bad file next to good ones, written by code into a folder.

``make_hostile_corpus(root)`` writes the corpus into ``root`` (never inside the repository)
and returns what it wrote: the good files with how many articles each must give, and the
hostile cases with what the loader must do about each. Used by ``tests/test_hostile.py``,
``tests/test_browser.py`` and by anyone who wants a report built from a dirty corpus (with
``tests/`` on ``sys.path``, as pytest puts it)::

    from hostile import make_hostile_corpus
    info = make_hostile_corpus(Path("/tmp/hostile"))
    info["good_articles"], len(info["cases"])

A case's ``expect`` says what must happen:

- ``problem``: the file gives no article and exactly ``problems`` rows (default one) naming
  it, with one of ``reasons``;
- ``records``: the file gives ``articles`` articles and ``problems`` rows (bad records);
- ``load``: hostile text that is still news: exactly ``articles`` articles, stored as
  written (payloads, bidi controls and invisible characters kept);
- ``date``: articles whose only date is impossible: no publication date, no ``dates`` row
  with a date, one ``dates`` problem per article (``reasons``); or a double dateline whose
  calendars disagree (``calendar-mismatch``);
- ``link``: a symbolic link that must not be followed: one ``problem`` row, nothing read
  from its target;
- ``any``: must not crash or lose the neighbours; the outcome is not fixed (a file that
  changes while it is read);
- ``skip``: the case cannot be made on this machine (``note`` says why).

The payloads below are what a test looks for: ``PWNED`` in a script that would change the
page title (``PAYLOADS``), the lines of ``SECRET_FILE`` (``/etc/passwd``) that external
entities and links point at, and ``lollol`` from an entity bomb.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "corpus"
EVAL = REPO.parent / "shared" / "eval"

SCRIPT = "<script>document.title='PWNED'</script>"
IMG = "<img src=x onerror=\"document.title='PWNED'\">"
JS_LINK = "<a href=\"javascript:document.title='PWNED'\">اضغط هنا</a>"
TABLE_BREAK = "</td></tr></table><h1 style=\"color:red\">PWNED-LAYOUT</h1>"
PAYLOADS = (SCRIPT, IMG, JS_LINK, TABLE_BREAK)
#: Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
BIDI = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
RLO, PDF_ = "\u202e", "\u202c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
#: Files outside the corpus whose content must never reach a table.
SECRET_FILE = Path("/etc/passwd")

# Evaluation samples and how many records their dataset states (shared/eval/README.md).
EVAL_FILES = {
    "ar/saudinewsnet_2015-08-11_sample61.json": 61,
    "fa/fars-news-1_sample60.json": 60,
    "fa/hazm_test/hamshahri/1996/ham2_960623.xml": 1,
    "fa/hazm_test/tnews/201409/20140923.xml": 1,
    "fa/hazm_test/persica.csv": 1,
    "fa/hazm_test/mirastext.txt": 10,
    "fa/hazm_test/pn-summary/test.csv": 3,
}

TITLE_AR = "وفد من حركة الجهاد الإسلامي يصل إلى القاهرة لبحث التهدئة"
BODY_AR = ("وصل وفد من حركة الجهاد الإسلامي إلى القاهرة لإجراء محادثات مع مسؤولين مصريين "
           "حول وقف إطلاق النار في قطاع غزة وتبادل الأسرى.\n"
           "وقال مصدر في الحركة إن الوفد سيلتقي رئيس المخابرات المصرية خلال الأيام المقبلة.")
TITLE_FA = "دیدار هیئت جهاد اسلامی با رئیس دستگاه اطلاعات مصر"
BODY_FA = ("هیئتی از جنبش جهاد اسلامی فلسطین برای گفت‌وگو با مقام‌های مصری وارد قاهره شد.\n"
           "به گفته یک منبع آگاه، این هیئت درباره آتش‌بس و تبادل اسیران گفت‌وگو می‌کند.")


@dataclass(frozen=True)
class Case:
    """One hostile case: where it is and what the loader must do (see the module docstring)."""

    name: str
    path: str  # relative to the corpus root, with "/"
    expect: str  # problem, records, load, date, link, any, skip
    reasons: tuple[str, ...] = ()  # acceptable problems.reason codes (empty: any)
    articles: int = 0  # articles the file must give (records, load, date)
    problems: int = 1  # problem rows the file must give (problem, records, link)
    title: str | None = None  # the exact title the article must have (load)
    note: str = ""


def article_txt(title: str, body: str, dateline: str | None = None) -> str:
    """A raw text page: title line, optional dateline, body.

    >>> article_txt("عنوان", "متن", "تاريخ النشر: 1 يناير 2020").splitlines()[1]
    'تاريخ النشر: 1 يناير 2020'
    """
    lines = [title] + ([dateline] if dateline else []) + [body]
    return "\n".join(lines) + "\n"


def _write(root: Path, rel: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode(encoding)
    path.write_bytes(data)
    return path


def _png() -> bytes:
    """A real 2x2 PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _pdf() -> bytes:
    """A minimal PDF whose only text is an Arabic-looking news line."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"stream\nBT (news) Tj ET\nendstream\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def _gif() -> bytes:
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
            b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def _rss(items: list[dict[str, str]], channel: str = "خبرگزاری نمونه") -> str:
    body = "".join(
        "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>\n"
        for item in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{channel}</title><link>https://example.ir</link>\n{body}</channel></rss>\n")


def _articles_alone(path: Path) -> int:
    """Articles a file gives when read on its own (a seed page may hold several stories)."""
    from helpers import loading

    return len(loading.read_file(path, path.parent)["articles"])


def _good(root: Path) -> dict[str, int]:
    """The good files (seeds, evaluation samples, a JSON file, a feed) and their articles."""
    good: dict[str, int] = {}
    for seed in sorted(SEEDS.glob("*.txt")):
        rel = f"good/seeds/{seed.name}"
        _write(root, rel, seed.read_bytes())
        good[rel] = _articles_alone(seed)
    if EVAL.is_dir():
        for name, n in EVAL_FILES.items():
            src = EVAL / name
            if src.is_file():
                rel = f"good/eval/{name}"
                _write(root, rel, src.read_bytes())
                good[rel] = n
    records = [
        {"title": TITLE_AR, "body": BODY_AR, "source": "رويترز", "date": "2023-12-24",
         "url": "https://example.com/a/1"},
        {"title": TITLE_FA, "body": BODY_FA, "source": "ایسنا", "date": "1402/10/03",
         "url": "https://example.ir/n/2"},
        {"headline": "اجتماع وزراء الخارجية العرب في الرياض",
         "text": "عقد وزراء الخارجية العرب اجتماعاً طارئاً في الرياض لبحث الأوضاع في المنطقة.",
         "published": "2024-01-15T10:00:00Z"},
    ]
    _write(root, "good/news.json", json.dumps(records, ensure_ascii=False, indent=1))
    good["good/news.json"] = 3
    _write(root, "good/feed.rss", _rss([
        {"title": TITLE_FA, "description": BODY_FA, "link": "https://example.ir/n/3",
         "pubDate": "Sun, 24 Dec 2023 10:00:00 GMT"},
        {"title": TITLE_AR, "description": BODY_AR, "link": "https://example.ir/n/4",
         "pubDate": "Mon, 25 Dec 2023 08:30:00 GMT"},
    ]))
    good["good/feed.rss"] = 2
    nested = "good/" + "/".join(f"d{i:02d}" for i in range(1, 61)) + "/deep.txt"
    _write(root, nested, article_txt("خبر في مجلد عميق جداً عن القاهرة", BODY_AR))
    good[nested] = 1
    return good


def _binary(root: Path) -> list[Case]:
    rng = random.Random(8)
    reasons = ("binary",)
    cases = [
        Case("empty file", "bad/empty.txt", "problem", ("empty",)),
        Case("blank file", "bad/blank.json", "problem", ("empty",)),
        Case("PNG image as .txt", "bad/photo.txt", "problem", reasons),
        Case("PDF as .json", "bad/report.json", "problem", reasons),
        Case("random bytes as .xml", "bad/noise.xml", "problem", reasons),
        Case("GIF image as .html", "bad/banner.html", "problem", reasons),
        Case("random bytes without NUL as .txt", "bad/noise_nonul.txt", "problem", reasons,
             note="high bytes only: any 8-bit code page decodes them, but with no spaces"),
        Case("text with NUL bytes", "bad/nul.txt", "problem", ("binary", "nul")),
        Case("zip archive", "bad/archive.zip", "problem", ("binary", "archive", "unsupported"),
             note="loading.py does not read archives: one problem row"),
    ]
    _write(root, "bad/empty.txt", b"")
    _write(root, "bad/blank.json", b" \n\t\r\n   \n")
    _write(root, "bad/photo.txt", _png())
    _write(root, "bad/report.json", _pdf())
    _write(root, "bad/noise.xml", rng.randbytes(4096) + b"\x00")
    _write(root, "bad/banner.html", _gif())
    _write(root, "bad/noise_nonul.txt", bytes(rng.randrange(0x80, 0x100) for _ in range(2048)))
    _write(root, "bad/nul.txt", article_txt(TITLE_AR, BODY_AR).encode().replace(b" ", b"\x00", 5))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inside.txt", article_txt(TITLE_AR, BODY_AR))
    _write(root, "bad/archive.zip", buf.getvalue())
    return cases


def _encodings(root: Path) -> list[Case]:
    cases = []
    for name, codec in (("utf8", "utf-8"), ("utf8_bom", "utf-8-sig"), ("utf16", "utf-16"),
                        ("cp1256", "cp1256")):
        rel = f"enc/{name}.txt"
        _write(root, rel, article_txt(TITLE_AR, BODY_AR), codec)
        cases.append(Case(f"Arabic in {codec}", rel, "load", articles=1, title=TITLE_AR))
    rel = "enc/utf16_fa.txt"
    _write(root, rel, article_txt(TITLE_FA, BODY_FA), "utf-16")
    cases.append(Case("Persian in utf-16", rel, "load", articles=1, title=TITLE_FA))
    xml = (f'<?xml version="1.0" encoding="utf-8"?>\n<DOCS><DOC><TITLE>{TITLE_AR}</TITLE>'
           f"<TEXT>{BODY_AR}</TEXT></DOC></DOCS>\n")
    _write(root, "enc/cp1256_says_utf8.xml", xml, "cp1256")
    cases.append(Case("cp1256 bytes declared utf-8 (XML)", "enc/cp1256_says_utf8.xml", "load",
                      articles=1, title=TITLE_AR))
    page = (f'<html><head><meta charset="utf-8"><title>{TITLE_AR}</title></head><body>'
            f"<article><h1>{TITLE_AR}</h1><p>{BODY_AR}</p></article></body></html>")
    _write(root, "enc/cp1256_says_utf8.html", page, "cp1256")
    cases.append(Case("cp1256 bytes declared utf-8 (HTML)", "enc/cp1256_says_utf8.html", "load",
                      articles=1, title=TITLE_AR))
    mixed = (article_txt(TITLE_AR, BODY_AR).encode("utf-8")
             + "ومن جهة أخرى قال المتحدث باسم الحركة إن المحادثات إيجابية.\n".encode("cp1256"))
    _write(root, "enc/mixed.txt", mixed)
    cases.append(Case("utf-8 and cp1256 in one file", "enc/mixed.txt", "records", ("encoding",),
                      articles=1, problems=1,
                      note="one article; the undecodable part is reported, the rest kept"))
    return cases


def _structured(root: Path) -> list[Case]:
    good = {"title": TITLE_AR, "body": BODY_AR}
    cases = []

    def add(rel: str, data: str, case: Case) -> None:
        _write(root, rel, data)
        cases.append(case)

    full = json.dumps([good, good], ensure_ascii=False)
    add("struct/truncated.json", full[: len(full) // 2],
        Case("truncated JSON", "struct/truncated.json", "problem", ("json-malformed",)))
    add("struct/trailing_comma.json", '[{"title": "عنوان", "body": "متن",},]',
        Case("JSON with trailing commas", "struct/trailing_comma.json", "problem",
             ("json-malformed",)))
    add("struct/fields.json", json.dumps([
        good, {"id": 17}, 42, ["title", "body"], None,
        {"title": {"nested": {"deeper": [1, 2]}}, "body": 3.5e308, "extra": {"x": [None]}},
        {"title": None, "body": ""},
    ], ensure_ascii=False),
        Case("JSON records with missing and unexpected fields", "struct/fields.json", "records",
             articles=2, problems=5,
             note="records 1, 2, 3, 4 and 6 are not articles; record 5 has a numeric body"))
    add("struct/no_records.json", '{"status": "ok", "count": 3, "next": null}',
        Case("JSON without records", "struct/no_records.json", "problem", ("json-no-records",)))
    add("struct/deep.json", "[" * 200_000 + "]" * 200_000,
        Case("JSON nested 200,000 deep", "struct/deep.json", "problem"))
    add("struct/huge_number.json", '[{"title": "عدد", "body": "متن", "views": 1e999999}]',
        Case("JSON with an out-of-range number", "struct/huge_number.json", "load", articles=1))
    lines = [json.dumps(good, ensure_ascii=False), '{"title": "مقطوع", "body": "نص',
             json.dumps({"title": TITLE_FA, "body": BODY_FA}, ensure_ascii=False), "[1, 2, 3]",
             json.dumps(good, ensure_ascii=False)]
    add("struct/mixed.jsonl", "\n".join(lines) + "\n",
        Case("JSON Lines with a broken line and an array line", "struct/mixed.jsonl", "records",
             articles=3, problems=2))
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["title", "body", "date"])
    writer.writerow([TITLE_AR, BODY_AR, "2023-12-24"])
    writer.writerow([TITLE_FA, BODY_FA, "2023-12-25"])
    add("struct/ragged.csv", rows.getvalue() + f'{TITLE_AR},"{BODY_AR[:40]}\n',
        Case("CSV whose last row is truncated inside a quote", "struct/ragged.csv", "any",
             note="the open quote runs to the end; the two complete rows must load"))
    add("struct/extra_fields.csv",
        "title,body,what,is,this\n" + f'{TITLE_AR},"{BODY_AR}",1,2,3,4,5,6\n'
        + f"{TITLE_FA},{BODY_FA.splitlines()[0]}\n",
        Case("CSV rows with more and fewer fields than the header", "struct/extra_fields.csv",
             "records", ("csv-row",), articles=2, problems=2))
    xml_doc = (f"<DOCS><DOC><DOCID>1</DOCID><TITLE>{TITLE_AR}</TITLE><TEXT>{BODY_AR}</TEXT></DOC>"
               f"<DOC><DOCID>2</DOCID><TITLE>{TITLE_FA}</TITLE><TEXT>{BODY_FA}</TEXT></DOC></DOCS>")
    add("struct/truncated.xml", xml_doc[: xml_doc.index("<DOCID>2")],
        Case("truncated TREC XML", "struct/truncated.xml", "any",
             note="the first <DOC> is complete; reading it is a bonus"))
    add("struct/malformed.xml", "<news><item><title>عنوان</titel><body>متن</item></news>",
        Case("XML with mismatched tags", "struct/malformed.xml", "problem",
             ("xml-malformed", "xml-no-records")))
    add("struct/no_fields.xml", "<catalog><book><isbn>1</isbn><price>3</price></book></catalog>",
        Case("XML without article fields", "struct/no_fields.xml", "problem",
             ("xml-no-records",)))
    add("struct/truncated.rss", _rss([{"title": TITLE_FA, "description": BODY_FA}])[:150],
        Case("truncated RSS feed", "struct/truncated.rss", "problem"))
    return cases


def _xml_attacks(root: Path) -> list[Case]:
    laughs = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = f"&lol{i - 1};" if i > 1 else "&lol;"
        laughs.append(f'<!ENTITY lol{i} "{prev * 10}">')
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n' + "\n".join(laughs) + "\n]>\n"
            "<DOCS><DOC><TITLE>&lol9;</TITLE><TEXT>&lol9;</TEXT></DOC></DOCS>\n")
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE doc [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           "<DOCS><DOC><TITLE>عنوان &xxe;</TITLE><TEXT>متن &xxe;</TEXT></DOC></DOCS>\n")
    feed = ('<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            '<rss version="2.0"><channel><title>&xxe;</title><item><title>خبر</title>'
            "<description>&xxe;</description></item></channel></rss>\n")
    param = ('<?xml version="1.0"?>\n<!DOCTYPE doc [<!ENTITY % ext SYSTEM '
             '"file:///etc/passwd"> %ext;]>\n<DOCS><DOC><TITLE>عنوان</TITLE></DOC></DOCS>\n')
    dtd = ('<?xml version="1.0"?>\n<!DOCTYPE DOCS SYSTEM "file:///etc/passwd">\n'
           f"<DOCS><DOC><TITLE>{TITLE_AR}</TITLE><TEXT>{BODY_AR}</TEXT></DOC></DOCS>\n")
    xinclude = ('<DOCS xmlns:xi="http://www.w3.org/2001/XInclude"><DOC><TITLE>عنوان الخبر</TITLE>'
                '<TEXT>متن <xi:include href="file:///etc/passwd" parse="text"/></TEXT></DOC>'
                "</DOCS>\n")
    html = ('<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<html><head>'
            f"<title>{TITLE_AR}</title></head><body><article><h1>{TITLE_AR}</h1><p>{BODY_AR}</p>"
            "<p>&xxe;</p></article></body></html>\n")
    unsafe = ("xml-unsafe",)
    files = {
        "xml/billion_laughs.xml": (bomb, Case("billion laughs", "xml/billion_laughs.xml",
                                              "problem", unsafe)),
        "xml/xxe.xml": (xxe, Case("external entity file:///etc/passwd", "xml/xxe.xml",
                                  "problem", unsafe)),
        "xml/xxe_feed.rss": (feed, Case("external entity in a feed", "xml/xxe_feed.rss",
                                        "problem", unsafe)),
        "xml/xxe_param.xml": (param, Case("external parameter entity", "xml/xxe_param.xml",
                                          "problem", unsafe)),
        "xml/external_dtd.xml": (dtd, Case("external DTD (never loaded)", "xml/external_dtd.xml",
                                           "load", articles=1, title=TITLE_AR)),
        "xml/xinclude.xml": (xinclude, Case("XInclude of /etc/passwd (never resolved)",
                                            "xml/xinclude.xml", "load", articles=1,
                                            title="عنوان الخبر")),
        "xml/xxe.html": (html, Case("external entity in HTML (never resolved)", "xml/xxe.html",
                                    "any", note="an HTML parser has no entities to expand")),
    }
    for rel, (text, _) in files.items():
        _write(root, rel, text)
    return [case for _, case in files.values()]


def _links(root: Path) -> list[Case]:
    folder = root / "links"
    folder.mkdir(parents=True, exist_ok=True)
    cases = []

    def link(name: str, target: str | Path, case: Case) -> None:
        try:
            os.symlink(target, folder / name)
        except OSError as exc:
            case = Case(case.name, case.path, "skip", note=f"cannot make a symlink: {exc}")
        cases.append(case)

    link("outside_dir", SECRET_FILE.parent,
         Case("symlink to a folder outside the corpus", "links/outside_dir", "link",
              ("symlink-outside",)))
    link("outside_file.txt", SECRET_FILE,
         Case("symlink to /etc/passwd", "links/outside_file.txt", "link", ("symlink-outside",)))
    link("loop", "..", Case("symlink loop (a folder linking to its parent)", "links/loop", "link",
                            ("symlink-loop",)))
    link("ping.txt", "pong.txt", Case("file symlink loop", "links/ping.txt", "link"))
    link("pong.txt", "ping.txt", Case("file symlink loop (other end)", "links/pong.txt", "link"))
    link("broken.txt", "no/such/file.txt",
         Case("dangling symlink", "links/broken.txt", "link", ("broken-link",)))
    _write(root, "links/inside_target/real.txt", article_txt(TITLE_FA, BODY_FA))
    link("inside_ok.txt", "inside_target/real.txt",
         Case("symlink to a file inside the corpus", "links/inside_ok.txt", "problem",
              ("duplicate-link",), note="the target is read once, under its own name"))
    return cases


def _permissions(root: Path) -> list[Case]:
    path = _write(root, "perm/secret.txt", article_txt(TITLE_AR, BODY_AR))
    path.chmod(0)
    try:
        with open(path, "rb"):
            readable = True
    except OSError:
        readable = False
    if readable:
        path.chmod(0o644)
        return [Case("file without read permission", "perm/secret.txt", "skip", articles=1,
                     note="running as root: chmod 000 does not stop reading, so the file is "
                          "left readable (a good article)")]
    return [Case("file without read permission", "perm/secret.txt", "problem", ("unreadable",))]


def _display(root: Path) -> list[Case]:
    cases = []
    title = f"عاجل {SCRIPT} وفد الجهاد في القاهرة {TABLE_BREAK}"
    body = (f"{BODY_AR}\nللمزيد {JS_LINK} وصورة {IMG}\n"
            f"قال مسؤول {SCRIPT} إن المحادثات مستمرة.")
    _write(root, "display/attack.txt", article_txt(title, body))
    cases.append(Case("markup in a text title and body", "display/attack.txt", "load",
                      articles=1, title=title))
    records = [
        {"title": f"{SCRIPT}{TITLE_AR}", "body": f"{BODY_AR}\n{SCRIPT}",
         "source": "<script>document.title='PWNED'</script>رويترز",
         "url": "javascript:document.title='PWNED'", "author": IMG, "category": TABLE_BREAK},
        {"title": f"{TITLE_FA} {TABLE_BREAK}", "body": BODY_FA,
         "site": "<b onmouseover=\"document.title='PWNED'\">ایرنا</b>"},
    ]
    _write(root, "display/attack.json", json.dumps(records, ensure_ascii=False))
    cases.append(Case("markup in JSON fields (title, outlet, url, author)",
                      "display/attack.json", "load", articles=2))
    bidi_title = f"خبر {RLO}DETSOP ETAD{PDF_} عن \u2067غزة\u2069 و\u202bالقاهرة\u202c {BIDI}"
    _write(root, "display/bidi.txt", article_txt(bidi_title, f"{BODY_AR}\n{RLO}Reuters{PDF_}"))
    cases.append(Case("bidi controls in title and body", "display/bidi.txt", "load", articles=1,
                      title=bidi_title))
    zw_title = "وصول زياد\u200bنخالة إلى القاهرة"
    _write(root, "display/zero_width.txt",
           article_txt(zw_title, f"قال زي{ZERO_WIDTH}اد نخالة إن {BODY_AR}"))
    cases.append(Case("zero-width characters inside names", "display/zero_width.txt", "load",
                      articles=1, title=zw_title))
    long_title = "كلمة طويلة جداً في الخبر"
    _write(root, "display/long_word.txt",
           article_txt(long_title, f"{BODY_AR}\n{'ب' * 100_000}\n{'x' * 100_000} نهاية"))
    cases.append(Case("100,000-character words", "display/long_word.txt", "load", articles=1,
                      title=long_title))
    return cases


def _names(root: Path) -> list[Case]:
    """File names that attack: not UTF-8 (a zip made on Windows), markup, a line break."""
    cases = []
    names = [
        ("file name in cp1256 bytes, not UTF-8", b"names/" + "خبر".encode("cp1256") + b".txt",
         "names/" + "".join(f"\\x{b:02x}" for b in "خبر".encode("cp1256")) + ".txt"),
        ("markup in a file name", f"names/{IMG}.txt".encode(), f"names/{IMG}.txt"),
        ("a line break in a file name", b"names/line\nbreak.txt", "names/line\nbreak.txt"),
    ]
    for what, raw, stored in names:
        path = root / os.fsdecode(raw)
        try:
            _write(root, os.fsdecode(raw), article_txt(TITLE_FA, BODY_FA))
        except (OSError, UnicodeError) as exc:
            cases.append(Case(what, stored, "skip", note=f"this file system refuses it: {exc}"))
            continue
        assert path.is_file()
        cases.append(Case(what, stored, "load", articles=1, title=TITLE_FA,
                          note="the file column holds bytes that are not UTF-8 as \\xNN"))
    return cases


#: Impossible or extreme dates, each the only date of one article.
IMPOSSIBLE_DATES = {
    "month13": "2023/13/05",
    "day0": "0 ديسمبر 2023",
    "feb30": "30 فبراير 2023",
    "jalali": "۱۴۰۲/۱۳/۴۰",
    "year0": "1 يناير 0000",
    "year99999": "24 December 99999",
}


def _dates(root: Path) -> list[Case]:
    cases = []
    for name, value in IMPOSSIBLE_DATES.items():
        rel = f"dates/{name}.txt"
        title = f"خبر بتاريخ مستحيل رقم {len(cases) + 1}"
        _write(root, rel, article_txt(title, BODY_AR.replace("الأيام المقبلة", "الفترة"),
                                      f"تاريخ النشر: {value}"))
        cases.append(Case(f"impossible dateline {value}", rel, "date",
                          ("date-impossible", "date-unreadable", "date-out-of-range"),
                          articles=1, title=title))
    stated = [{"title": f"خبر رقم {i}", "body": BODY_AR, "date": v}
              for i, v in enumerate(["2023-02-30", "2023-13-01", "0000-01-01", "99999-12-31",
                                     "1402/13/40", "2023-12-00"])]
    _write(root, "dates/stated.json", json.dumps(stated, ensure_ascii=False))
    cases.append(Case("impossible stated dates (JSON date field)", "dates/stated.json", "date",
                      articles=len(stated), problems=len(stated)))
    double = article_txt("حوار مع كارگردان سينمايي",
                         "گفتگو درباره سینمای ایران و آثار تازه کارگردان.",
                         "يكشنبه 3 تير 1375، 23 ژوئن 1997")
    _write(root, "dates/double_mismatch.txt", double)
    cases.append(Case("double dateline whose calendars disagree", "dates/double_mismatch.txt",
                      "date", ("calendar-mismatch",), articles=1))
    return cases


def _big(root: Path) -> tuple[list[Case], dict[str, int]]:
    """A 200 MB file, a 50 MB line, and 10,000 tiny files (good articles)."""
    chunk = (article_txt(TITLE_AR, BODY_AR) * 200).encode()
    with open(root / "big_file.txt", "wb") as fh:
        written = 0
        while written < 200 * 2**20:
            fh.write(chunk)
            written += len(chunk)
    line = ("كلمة " * 2000).encode()
    with open(root / "long_line.txt", "wb") as fh:
        fh.write(f"{TITLE_AR}\n".encode())
        for _ in range(50 * 2**20 // len(line)):
            fh.write(line)
        fh.write(b"\n")
    cases = [Case("a 200 MB file", "big_file.txt", "problem", ("too-large",),
                  note="read with LoadOptions(max_file_bytes=100 MB)"),
             Case("a 50 MB line", "long_line.txt", "any")]
    good = {}
    many = root / "many"
    for i in range(10_000):
        sub = many / f"{i // 1000:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"n{i:05d}.txt").write_text(f"خبر قصير رقم {i}\nنص الخبر القصير رقم {i}.\n",
                                           encoding="utf-8")
        good[f"many/{i // 1000:02d}/n{i:05d}.txt"] = 1
    return cases, good


def make_hostile_corpus(root: Path, big: bool = False) -> dict:
    """Write the hostile corpus into ``root`` and return what was written.

    Returns ``{"root", "good": {file: articles}, "good_articles", "cases": [Case],
    "changing": file}``. ``big`` adds a 200 MB file, a 50 MB line and 10,000 tiny files.
    A seed counts the articles it gives when read alone (a page may hold several stories).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     info = make_hostile_corpus(Path(tmp, "h"))
    ...     len(info["cases"]) > 40, info["good_articles"] > 100
    (True, True)
    """
    root = Path(root)
    if root.resolve().is_relative_to(REPO):
        raise ValueError(f"the hostile corpus must not be written inside the repository: {root}")
    root.mkdir(parents=True, exist_ok=True)
    good = _good(root)
    cases = (_binary(root) + _encodings(root) + _structured(root) + _xml_attacks(root)
             + _links(root) + _permissions(root) + _display(root) + _names(root)
             + _dates(root))
    changing = "live/changing.txt"
    _write(root, changing, article_txt(TITLE_AR, BODY_AR))
    cases.append(Case("a file that changes while it is read", changing, "any",
                      note="a thread appends to and truncates it during open_corpus"))
    for case in cases:
        if case.expect == "skip" and case.articles:
            good[case.path] = case.articles  # a case this machine cannot make is a good file
    if big:
        big_cases, many = _big(root)
        cases += big_cases
        good.update(many)
    known = sum(good.values())
    return {"root": root, "good": good, "good_articles": known, "cases": cases,
            "changing": changing}


def remove_hostile_corpus(root: Path) -> None:
    """Delete a hostile corpus (restoring permissions first so everything can go)."""
    for path in Path(root).rglob("*"):
        if not path.is_symlink():
            try:
                path.chmod(0o755 if path.is_dir() else 0o644)
            except OSError:
                pass
    shutil.rmtree(root, ignore_errors=True)
