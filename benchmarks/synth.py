"""A realistic synthetic news corpus of any size, for the benchmark (deterministic per seed).

Sentences and titles are drawn from the seeds (``corpus/``) and the evaluation samples
(``../shared/eval/``), shuffled and recombined with generated people, places, outlets
and dates (Gregorian, Jalali and Hijri; Western, Arabic-Indic and Persian digits), then
written in the layouts users have: raw scraped pages (several articles with "read also"
headers, keyword and source lines, comments, menus), JSON arrays of two shapes, JSON
Lines, CSV and TSV, TREC ``<DOC>`` XML, TNews XML and MirasText. A few files are legacy
Windows-1256 or UTF-16, and about one in a thousand is broken on purpose.

Usage::

    python benchmarks/synth.py /tmp/synth --articles 100000 --seed 1
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jdatetime
from hijridate import Gregorian

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"

_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|\n+")
_PERSIAN_ONLY = re.compile("[پچژگکی]")
_ARABIC_ONLY = re.compile("[ةيكى]")
_FA_WORDS = {"است", "را", "که", "این", "از", "با", "برای", "می", "شد", "كه", "اين", "براي"}
_AR_WORDS = {"في", "من", "على", "أن", "التي", "الذي", "إلى", "عن", "مع", "هذا", "كان"}
_MARKUP = re.compile(r"<[^>]{0,200}>|\[n\]")

WESTERN = "0123456789"
DIGITS = {"latn": WESTERN, "arab": "٠١٢٣٤٥٦٧٨٩", "pers": "۰۱۲۳۴۵۶۷۸۹"}

# Vocabulary for the generated parts: common given and family names, places, outlets,
# month names. A synthetic-data fixture, not knowledge the pipeline uses.
FIRST = {
    "ar": ["محمد", "أحمد", "علي", "خالد", "عمر", "يوسف", "إبراهيم", "سامي", "ليلى", "فاطمة",
           "منى", "حسن", "طارق", "بدر", "ديما", "زياد", "إسماعيل", "عبد الله", "مصطفى", "نادية"],
    "fa": ["محمد", "علی", "حسین", "رضا", "مهدی", "زهرا", "مریم", "سعید", "عباس", "داوود",
           "فاطمه", "حمید", "مسعود", "نرگس", "امیر", "جواد", "اسماعیل", "کاظم", "پروین", "بهرام"],
}
LAST = {
    "ar": ["عبد العاطي", "النخالة", "هنية", "الحسيني", "المصري", "الخطيب", "العلي", "يوسف",
           "الشامي", "البغدادي", "القحطاني", "الزهراني", "السيد", "حمدان", "الأنصاري"],
    "fa": ["ظریف", "عراقچی", "کامل", "شهاب", "رضایی", "حسینی", "موسوی", "کریمی", "احمدی",
           "صالحی", "جعفری", "نوری", "قاسمی", "رحیمی", "طباطبایی"],
}
ROLES = {
    "ar": ["وزير الخارجية", "المتحدث باسم الحكومة", "الأمين العام", "رئيس الوزراء",
           "المدير التنفيذي", "السفير", "قائد الشرطة"],
    "fa": ["وزیر امور خارجه", "سخنگوی دولت", "دبیرکل", "رئیس جمهور", "مدیرعامل", "سفیر",
           "فرمانده انتظامی"],
}
PLACES = {
    "ar": ["القاهرة", "غزة", "الدوحة", "بيروت", "دمشق", "الرياض", "جدة", "بغداد", "عمان",
           "طهران", "الخرطوم", "تونس", "الرباط"],
    "fa": ["تهران", "مشهد", "اصفهان", "شیراز", "تبریز", "کرمان", "قاهره", "غزه", "بیروت",
           "دمشق", "بغداد", "دوحه", "سبزوار"],
}
OUTLETS = {
    "ar": ["رويترز", "وكالة الأنباء السعودية", "صدى البلد", "الجزيرة", "العربية", "سانا",
           "الأهرام", "وكالة فرانس برس", "عين اليوم", "سبق", "الجارديان", "أسوشيتد برس"],
    "fa": ["خبرگزاری فارس", "ایرنا", "ایسنا", "مشرق", "تسنیم", "مهر", "همشهری", "شانا",
           "خبرگزاری سما", "العالم", "باشگاه خبرنگاران جوان", "رویترز"],
}
SITES = ["farsnews.ir", "irna.ir", "isna.ir", "mashreghnews.ir", "tasnimnews.com",
         "alarabiya.net", "aljazeera.net", "elbalad.news", "3alyoum.com", "sabq.org",
         "shana.ir", "55online.ir", "alalam.ir", "hamshahrionline.ir"]
MONTHS_G = {
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر"],
    "fa": ["ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر",
           "اکتبر", "نوامبر", "دسامبر"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}
MONTHS_J = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر",
            "دی", "بهمن", "اسفند"]
MONTHS_H = ["محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة", "رجب",
            "شعبان", "رمضان", "شوال", "ذو القعدة", "ذو الحجة"]
WEEKDAYS = {"ar": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
            "fa": ["دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"]}
READ_ALSO = {"ar": ["إقرأ أيضاً:", "اقرأ أيضا", "مطالب مرتبط"], "fa": ["بیشتر بخوانید:",
                                                                     "مطالب مرتبط"]}
KEYWORDS = {"ar": "كلمات دلالية:", "fa": "برچسب‌ها:"}
SOURCE_LINE = {"ar": "المصدر:", "fa": "منبع:"}
MENUS = {"ar": ["لا يفوتك", "الأكثر قراءة", "شارك", "// انتهى //"],
         "fa": ["این مطالب را از دست ندهید....", "فیلم برگزیده", "برگزیده ورزشی",
                "برگزیده عکس"]}
CATEGORIES = {"ar": ["سياسة", "اقتصاد", "رياضة", "محليات", "دولي"],
              "fa": ["سیاسی", "اقتصادی", "ورزشی", "بین‌الملل", "فرهنگی", "عمومی"]}


# --------------------------------------------------------------------------- text pool


@dataclass
class Pool:
    """Sentences and titles per language, taken from real documents."""

    sentences: dict[str, list[str]]
    titles: dict[str, list[str]]


def _lang(text: str) -> str:
    """fa or ar, from letters and function words (older Persian sites write ي and ك)."""
    words = text.split()
    fa = len(_PERSIAN_ONLY.findall(text)) + 5 * sum(w in _FA_WORDS for w in words)
    ar = len(_ARABIC_ONLY.findall(text)) + 5 * sum(w in _AR_WORDS for w in words)
    return "fa" if fa > ar else "ar"


def _texts_from_eval(folder: Path) -> tuple[list[str], list[str]]:
    """(body texts, titles) of the evaluation samples, whatever their format."""
    bodies: list[str] = []
    titles: list[str] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name in {"ground_truth.csv", "README.md"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".json":
            for rec in json.loads(text):
                titles.append(str(rec.get("title", "")))
                body = rec.get("content") or "\n".join(rec.get("paragraphs") or [])
                bodies.append(str(body) + "\n" + str(rec.get("abstract", "")))
        elif path.suffix == ".xml":
            cdata = re.findall(r"<!\[CDATA\[(.*?)\]\]>", text, flags=re.S)
            titles += [c for c in cdata if 10 < len(c) < 150]
            bodies += [c for c in cdata if len(c) >= 150]
        elif path.suffix == ".csv":
            delim = "\t" if "\t" in text.splitlines()[0] else ","
            for row in csv.reader(io.StringIO(text), delimiter=delim):
                bodies += [c for c in row if len(c) >= 150]
                titles += [c for c in row if 10 < len(c) < 150]
        else:
            for line in text.splitlines():
                fields = [f.strip() for f in line.split("***")]
                bodies.append(fields[0])
                if len(fields) > 3:
                    titles.append(fields[3].split("|")[0].strip())
    return bodies, titles


def load_pool(seeds: Path = REPO / "corpus", eval_dir: Path = EVAL) -> Pool:
    """Sentences (20 to 400 characters) and titles per language from seeds and samples."""
    bodies, titles = _texts_from_eval(eval_dir) if eval_dir.is_dir() else ([], [])
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        bodies.append(text)
        titles.append(text.splitlines()[0])
    sentences: dict[str, set[str]] = {"ar": set(), "fa": set()}
    for body in bodies:
        for sent in _SENTENCE_END.split(_MARKUP.sub(" ", body)):
            sent = " ".join(sent.split())
            if (20 <= len(sent) <= 400 and re.search("[\u0600-\u06ff]", sent)
                    and not sent.startswith(("•", "-", "*"))):
                sentences[_lang(sent)].add(sent)
    heads: dict[str, set[str]] = {"ar": set(), "fa": set()}
    for title in titles:
        title = " ".join(title.split())
        if 8 <= len(title) <= 200 and re.search("[\u0600-\u06ff]", title):
            heads[_lang(title)].add(title)
    return Pool({k: sorted(v) for k, v in sentences.items()},
                {k: sorted(v) for k, v in heads.items()})


# --------------------------------------------------------------------------- generated parts


def digits(text: str, system: str) -> str:
    """``text`` with its Western digits written in ``system`` (latn, arab, pers).

    >>> digits("1402/03/16", "pers")
    '۱۴۰۲/۰۳/۱۶'
    """
    return text.translate(str.maketrans(WESTERN, DIGITS[system]))


def date_text(rng: random.Random, lang: str, day: dt.date) -> str:
    """``day`` written the way news pages write it, in a random calendar and digit system.

    >>> date_text(random.Random(6), "fa", dt.date(2023, 6, 6))
    '۱۶ خرداد ۱۴۰۲'
    """
    system = rng.choice(["latn", "pers", "pers"] if lang == "fa" else ["latn", "arab"])
    style = rng.choice(["jalali", "jalali", "numeric-j", "gregorian", "iso"] if lang == "fa"
                       else ["gregorian", "gregorian", "hijri", "english", "iso", "numeric"])
    if style in {"jalali", "numeric-j"}:
        j = jdatetime.date.fromgregorian(date=day)
        text = (f"{j.day} {MONTHS_J[j.month - 1]} {j.year}" if style == "jalali"
                else f"{j.year}/{j.month:02d}/{j.day:02d}")
        if rng.random() < 0.3:
            text = f"{WEEKDAYS['fa'][day.weekday()]} {text}"
    elif style == "hijri":
        h = Gregorian(day.year, day.month, day.day).to_hijri()
        text = f"{h.day} {MONTHS_H[h.month - 1]} {h.year} هـ"
    elif style == "english":
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10 if day.day not in (11, 12, 13)
                                                  else 0, "th")
        return f"{day.day}{suffix}, {MONTHS_G['en'][day.month - 1]} {day.year} GMT"
    elif style == "iso":
        text = day.isoformat()
    elif style == "numeric":
        text = f"{day.day:02d}/{day.month:02d}/{day.year}"
    else:
        text = f"{day.day} {MONTHS_G[lang][day.month - 1]} {day.year}"
        if rng.random() < 0.3:
            text = f"{WEEKDAYS[lang][day.weekday()]} {text}"
    return digits(text, system)


def person(rng: random.Random, lang: str) -> str:
    return f"{rng.choice(FIRST[lang])} {rng.choice(LAST[lang])}"


def attribution(rng: random.Random, lang: str, sentence: str, day: dt.date) -> str:
    """A sentence wrapped in an attribution: outlet relayed, person quoted, place, date."""
    outlet, who = rng.choice(OUTLETS[lang]), person(rng, lang)
    role, place = rng.choice(ROLES[lang]), rng.choice(PLACES[lang])
    when = date_text(rng, lang, day)
    if lang == "fa":
        forms = [f"به گزارش {outlet} به نقل از {rng.choice(OUTLETS['fa'])}، {sentence}",
                 f"{who}، {role}، روز {when} در {place} گفت: {sentence}",
                 f"{role} {who} در گفتگو با {outlet} اظهار کرد: {sentence}"]
    else:
        forms = [f"وقالت {outlet} نقلا عن {rng.choice(OUTLETS['ar'])}، {sentence}",
                 f"وقال {role} {who} في {place} يوم {when}: {sentence}",
                 f"وأكد {who} في تصريح لـ\"{outlet}\" أن {sentence}"]
    return rng.choice(forms)


def vary(rng: random.Random, sentence: str) -> str:
    """``sentence`` with words swapped, dropped or repeated, so no two articles share text
    that Parquet's compression or a cache could exploit more than real news allows.

    >>> vary(random.Random(1), "a b c d e f")
    'e c d b f'
    """
    words = sentence.split(" ")
    for _ in range(max(1, len(words) // 6)):
        i, j = rng.randrange(len(words)), rng.randrange(len(words))
        words[i], words[j] = words[j], words[i]
        k = rng.randrange(len(words))
        if rng.random() < 0.5 and len(words) > 3:
            del words[k]
        else:
            words.insert(k, words[rng.randrange(len(words))])
    return " ".join(words)


@dataclass
class Article:
    lang: str
    title: str
    paragraphs: list[str]
    day: dt.date
    outlet: str
    site: str
    author: str
    category: str
    keywords: list[str]
    comments: list[tuple[str, str]]  # (raw date, text)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def make_article(rng: random.Random, pool: Pool, lang: str | None = None) -> Article:
    """One article: recombined real sentences with generated names, dates and sources."""
    lang = lang or rng.choice(["ar", "fa"])
    day = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9400))
    sents = pool.sentences[lang]
    paragraphs = []
    for _ in range(rng.randint(2, 6)):
        para = []
        for _ in range(rng.randint(1, 3)):
            sent = vary(rng, rng.choice(sents))
            roll = rng.random()
            if roll < 0.25:
                sent = attribution(rng, lang, sent, day)
            elif roll < 0.35:
                sent = f"{sent} ({date_text(rng, lang, day)})"
            para.append(sent)
        paragraphs.append(" ".join(para))
    title = rng.choice(pool.titles[lang])
    if rng.random() < 0.5:
        title = f"{person(rng, lang)}: {title}"
    comments = []
    if rng.random() < 0.2:
        for _ in range(rng.randint(1, 3)):
            j = jdatetime.date.fromgregorian(date=day + dt.timedelta(days=rng.randint(0, 3)))
            raw = digits(f"IR {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} - "
                         f"{j.year}/{j.month:02d}/{j.day:02d}", "pers")
            comments.append((raw, rng.choice(pool.sentences["fa"])))
    return Article(lang, title, paragraphs, day, rng.choice(OUTLETS[lang]), rng.choice(SITES),
                   person(rng, lang) if rng.random() < 0.4 else "",
                   rng.choice(CATEGORIES[lang]),
                   rng.sample(PLACES[lang], 3) + [person(rng, lang)], comments)


# --------------------------------------------------------------------------- file layouts


def _raw_page(rng: random.Random, arts: list[Article]) -> str:
    """A scraped page in the seeds' layouts: articles joined by "read also" headers."""
    out = []
    for i, a in enumerate(arts):
        if i:
            out.append(rng.choice(READ_ALSO[a.lang]))
        out.append(a.title)
        if a.lang == "ar" or rng.random() < 0.3:
            out.append(f"تاريخ النشر: {date_text(rng, a.lang, a.day)}" if a.lang == "ar"
                       else f"تاریخ انتشار: {date_text(rng, a.lang, a.day)}")
        sep = "\n\n" if a.lang == "fa" else "\n"
        out.append(sep.join(a.paragraphs))
        if rng.random() < 0.6:
            out.append(f"{SOURCE_LINE[a.lang]} {a.outlet}")
        if rng.random() < 0.6:
            out.append(f"{KEYWORDS[a.lang]} {' '.join(a.keywords)}")
    last = arts[-1]
    if last.comments:
        out += ["نظر شما", "شما در حال پاسخ به نظر «» هستید.", "captcha", "نظرات",
                f"  • انتشار یافته: {len(last.comments)}", "  • در انتظار بررسی: 0"]
        for raw, text in last.comments:
            out += [f"  • {raw}", "    0 0", f"    {text}"]
    if rng.random() < 0.7:
        out += rng.sample(MENUS[last.lang], k=min(3, len(MENUS[last.lang])))
    return "\n".join(out) + "\n"


def _json_saudi(rng: random.Random, arts: list[Article]) -> str:
    recs = [{"source": a.site.split(".")[0],
             "url": f"http://www.{a.site}/news/{rng.randrange(10**7)}/",
             "date_extracted": f"{a.day.isoformat()} {rng.randint(0, 23):02d}:00:00",
             "title": a.title, "author": a.author, "content": a.body} for a in arts]
    return json.dumps(recs, ensure_ascii=False, indent=1)


def _json_fars(rng: random.Random, arts: list[Article]) -> str:
    recs = [{"title": a.title, "abstract": a.paragraphs[0], "paragraphs": a.paragraphs[1:],
             "category": a.category, "tags": a.keywords,
             "link": f"https://www.{a.site}/news/{rng.randrange(10**8)}"} for a in arts]
    return json.dumps(recs, ensure_ascii=False, indent=1)


def _jsonl(rng: random.Random, arts: list[Article]) -> str:
    return "".join(json.dumps(
        {"headline": a.title, "text": a.body, "published": date_text(rng, a.lang, a.day),
         "site": a.site, "url": f"https://{a.site}/{rng.randrange(10**8)}"},
        ensure_ascii=False) + "\n" for a in arts)


def _csv(rng: random.Random, arts: list[Article], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    if delimiter == "\t":  # pn-summary's columns
        writer.writerow(["id", "title", "article", "summary", "category", "categories",
                         "network", "link"])
        for a in arts:
            writer.writerow([f"{rng.getrandbits(64):016x}", a.title, " [n] ".join(a.paragraphs),
                             a.paragraphs[0], a.category, a.category, a.outlet,
                             f"https://www.{a.site}/fa/news/{rng.randrange(10**6)}"])
    else:
        writer.writerow(["id", "title", "body", "date", "source"])
        for a in arts:
            writer.writerow([rng.randrange(10**6), a.title, a.body,
                             date_text(rng, a.lang, a.day), a.outlet])
    return buf.getvalue()


def _trec(rng: random.Random, arts: list[Article]) -> str:
    docs = []
    for i, a in enumerate(arts):
        j = jdatetime.date.fromgregorian(date=a.day)
        docs.append(
            f"<DOC>\n<DOCID>HAM2-{j.strftime('%y%m%d')}-{i:03d}</DOCID>\n"
            f"<DOCNO>HAM2-{j.strftime('%y%m%d')}-{i:03d}</DOCNO>\n"
            f'<DATE calender="Western">{a.day.isoformat()}</DATE>\n'
            f'<DATE calender="Persian">{j.year}/{j.month:02d}/{j.day:02d}</DATE>\n'
            f'<CAT xml:lang="fa">{a.category}</CAT>\n'
            f"<TITLE>\n<![CDATA[{a.title}]]>\n</TITLE>\n<TEXT>\n<![CDATA[{a.body}]]>\n</TEXT>\n"
            "</DOC>")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<HAMSHAHRI2>\n'
            + "\n".join(docs) + "\n</HAMSHAHRI2>\n")


def _tnews(rng: random.Random, arts: list[Article]) -> str:
    items = "".join(
        f"<NEWS><NEWSID>{rng.randrange(10**19)}</NEWSID><URL><![CDATA[https://{a.site}/"
        f"{rng.randrange(10**6)}/]]></URL><UTCDATE>{a.day.isoformat()}T0{rng.randint(0, 9)}:"
        f"30:00.000</UTCDATE><CATEGORY>{a.category}</CATEGORY><TITLE><![CDATA[{a.title}]]>"
        f"</TITLE><BRIEF><![CDATA[{a.paragraphs[0]}]]></BRIEF><DESCRIPTION><![CDATA["
        f"{a.body}]]></DESCRIPTION></NEWS>\n" for a in arts)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<TNews>\n<COPYRIGHT>'
            "TNews collection (synthetic)</COPYRIGHT>\n</TNews>\n" + items)


def _mirastext(rng: random.Random, arts: list[Article]) -> str:
    return "".join(
        f"{a.title} {' '.join(a.paragraphs)} *** nan *** {' '.join(a.keywords)} *** "
        f"{a.title} | {a.outlet} *** {a.site} *** https://{a.site}/news/{rng.randrange(10**6)}\n"
        for a in arts)


@dataclass(frozen=True)
class Layout:
    name: str
    suffix: str
    articles: tuple[int, int]  # per file, min and max
    weight: float  # share of the articles
    write: Callable[[random.Random, list[Article]], str]
    lang: str | None = None  # forced language


LAYOUTS = [
    Layout("raw", ".txt", (1, 3), 0.30, _raw_page),
    Layout("saudinewsnet", ".json", (20, 120), 0.12, _json_saudi, "ar"),
    Layout("fars", ".json", (20, 120), 0.12, _json_fars, "fa"),
    Layout("jsonl", ".jsonl", (50, 300), 0.14, _jsonl),
    Layout("csv", ".csv", (20, 150), 0.08, _csv),
    Layout("tsv", ".tsv", (20, 150), 0.08,
           lambda rng, arts: _csv(rng, arts, delimiter="\t"), "fa"),
    Layout("trec", ".xml", (10, 80), 0.06, _trec, "fa"),
    Layout("tnews", ".xml", (10, 80), 0.04, _tnews, "fa"),
    Layout("mirastext", ".txt", (20, 150), 0.06, _mirastext, "fa"),
]


def _encode(rng: random.Random, text: str, layout: Layout, lang: str) -> bytes:
    roll = rng.random()
    if layout.name == "raw" and lang == "ar" and roll < 0.05:
        return text.encode("cp1256", errors="replace")
    if layout.name == "raw" and roll < 0.08:
        return text.encode("utf-16")
    if roll < 0.12:
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-8")


def generate(out: Path, articles: int, seed: int = 0, progress: bool = False) -> dict[str, int]:
    """Write about ``articles`` articles under ``out``; returns counts (files, articles, bytes).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     stats = generate(Path(tmp), 300, seed=1)
    ...     again = generate(Path(tmp) / "again", 300, seed=1)
    >>> stats == again and stats["articles"] >= 300
    True
    """
    out = Path(out)
    if out.resolve().is_relative_to(REPO / "corpus"):
        raise ValueError("never write inside the corpus folder")
    rng = random.Random(seed)
    pool = load_pool()
    weights = [lay.weight / sum(lay.articles) for lay in LAYOUTS]  # per file
    done = files = nbytes = broken = 0
    while done < articles:
        layout = rng.choices(LAYOUTS, weights)[0]
        lang = layout.lang or rng.choice(["ar", "fa"])
        n = min(rng.randint(*layout.articles), max(articles - done, 1))
        arts = [make_article(rng, pool, lang) for _ in range(n)]
        data = _encode(rng, layout.write(rng, arts), layout, lang)
        if rng.random() < 0.001:  # a broken file: truncated halfway
            data = data[: len(data) // 2]
            broken += 1
        folder = out / lang / layout.name / str(arts[0].day.year)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{files:07d}{layout.suffix}").write_bytes(data)
        done += n
        files += 1
        nbytes += len(data)
        if progress and files % 500 == 0:
            print(f"\r{done:,} articles, {files:,} files, {nbytes / 1e6:,.0f} MB",
                  end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    return {"files": files, "articles": done, "bytes": nbytes, "broken": broken}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (outside the repository)")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    stats = generate(args.out, args.articles, args.seed, progress=True)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
