"""The loader: discovery, encodings, every format, problems rows, the seeds and eval samples."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import loading, tables
from helpers.loading import LoadOptions, discover, read_file

SEEDS = ("000_84203d1367af4166.txt", "001_3c3f7fb5dec860d1.txt")
# cp1256 has no Persian yeh/keheh and no Eastern digits: older sites wrote ي, ك and 0-9.
CP1256_FOLD = str.maketrans("یک۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "يك01234567890123456789")


def load_folder(root: Path, options: LoadOptions | None = None) -> dict[str, pd.DataFrame]:
    files, problems = discover(root)
    outs = [read_file(f, root, options) for f in files]
    return {
        "articles": pd.concat([o["articles"] for o in outs], ignore_index=True),
        "comments": pd.concat([o["comments"] for o in outs], ignore_index=True),
        "problems": pd.concat([problems] + [o["problems"] for o in outs], ignore_index=True),
    }


def one(tmp_path: Path, name: str, content: str | bytes, **opts: object) -> dict:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return read_file(path, tmp_path, LoadOptions(**opts) if opts else None)


# --------------------------------------------------------------------------- seeds


@pytest.fixture(scope="module")
def seeds(corpus_dir: Path) -> dict[str, pd.DataFrame]:
    return load_folder(corpus_dir)


def test_seeds_give_three_articles_with_headlines(seeds):
    arts = seeds["articles"]
    assert len(arts) == 3
    assert seeds["problems"].empty
    ar = arts[arts.file == SEEDS[0]].sort_values("part")
    fa = arts[arts.file == SEEDS[1]]
    assert ar.part.tolist() == [0, 1] and fa.part.tolist() == [0]
    assert ar.title.iloc[0].startswith("وفد من حركة الجهاد الإسلامي الفلسطينية يصل إلى القاهرة")
    assert ar.title.iloc[1] == "وزير الخارجية يلتقي الأمين العام لمنظمة التعاون الرقمي"
    assert fa.title.iloc[0] == "در دیدار هیات جهاد اسلامی با رئیس دستگاه اطلاعات مصر چه گذشت؟"
    assert ar.lang.tolist() == ["ar", "ar"] and fa.lang.tolist() == ["fa"]
    assert set(arts.format) == {"txt"} and set(arts.encoding) == {"utf-8"}
    assert arts.doc_id.is_unique and arts.published.isna().all() and arts.outlet.isna().all()


def test_seed_furniture_is_split_off(seeds):
    arts = seeds["articles"].set_index(["file", "part"])
    first = arts.loc[(SEEDS[0], 0)]
    assert first.dateline == "تاريخ النشر: 24th, December 2023 GMT"
    assert first.source_line == "المصدر: صدى البلد"
    assert first.keywords.startswith("القاهرة حركة الجهاد")
    assert first.body.startswith("في تطور مهم،")
    assert first.body.endswith("في المنطقة.")
    for body in seeds["articles"].body:
        for furniture in ("كلمات دلالية", "إقرأ أيضاً", "المصدر:", "تاريخ النشر", "captcha",
                          "نظر شما", "نظرات", "انتشار یافته", "در انتظار بررسی",
                          "این مطالب را از دست ندهید", "فیلم برگزیده", "برگزیده ورزشی",
                          "برگزیده عکس", "IR ۰۹:۳۰", "مرحوم عمر سلیمان"):
            assert furniture not in body
    persian = arts.loc[(SEEDS[1], 0)].body
    assert persian.endswith("گفت وگو کردند.")
    assert "\n\n" in persian  # the page's blank-line paragraphs are kept


def test_seed_comment_with_raw_date(seeds):
    comments = seeds["comments"]
    assert len(comments) == 1
    c = comments.iloc[0]
    fa_id = seeds["articles"].set_index("file").loc[SEEDS[1], "doc_id"]
    assert c.doc_id == fa_id and c.comment_id == f"{fa_id}-c0" and c.n == 0
    assert c.date_raw == "IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶"
    assert c.text.startswith("این که گروه های مبارزه فلسطینی")
    assert c.text.endswith("به ایران بسته بود.")


def test_seed_bodies_keep_original_characters(seeds, corpus_dir):
    for _, art in seeds["articles"].iterrows():
        source = (corpus_dir / art.file).read_text(encoding="utf-8")
        for line in art.body.split("\n"):
            assert line in source


def test_doc_ids_are_stable(corpus_dir, seeds):
    again = load_folder(corpus_dir)["articles"]
    assert again.doc_id.tolist() == seeds["articles"].doc_id.tolist()
    assert seeds["articles"].doc_id.iloc[0] == loading.doc_id(SEEDS[0], 0)


# --------------------------------------------------------------------------- eval samples


@pytest.fixture(scope="module")
def eval_tables(eval_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    truth = pd.read_csv(eval_dir / "ground_truth.csv", dtype=str, keep_default_na=False)
    outs = {f: read_file(eval_dir / f, eval_dir) for f in truth.file.unique()}
    arts = pd.concat([o["articles"] for o in outs.values()], ignore_index=True)
    problems = pd.concat([o["problems"] for o in outs.values()], ignore_index=True)
    return truth, arts, problems


def _flat(text: object) -> str:
    return " ".join(str(text).split())


def test_eval_samples_load_without_problems(eval_tables):
    truth, arts, problems = eval_tables
    assert problems.empty, problems.to_string()
    counts = arts.groupby("file").size()
    assert counts.to_dict() == truth.groupby("file").size().to_dict()


def test_eval_samples_carry_what_the_datasets_state(eval_tables):
    truth, arts, _ = eval_tables
    checked = 0
    for file, rows in truth.groupby("file", sort=False):
        got = arts[arts.file == file].sort_values("part").reset_index(drop=True)
        for i, want in enumerate(rows.itertuples()):
            art = got.loc[i]
            expected_lang = want.lang if want.lang in ("ar", "fa", "en") else "und"
            assert art.lang == expected_lang, (file, i, want.title)
            assert _flat(art.title) == _flat(want.title), (file, i)
            if want.url:
                assert art.url == want.url, (file, i)
            if want.outlet and "level" not in want.outlet:  # dataset-level outlets are not stated
                assert art.outlet_stated == want.outlet, (file, i)
            if want.author:
                assert _flat(art.author) == _flat(want.author), (file, i)
            assert pd.notna(art.body) and len(art.body) > 0
            checked += 1
    assert checked == len(truth)


def test_eval_crawl_time_is_not_a_publication_date(eval_tables):
    _, arts, _ = eval_tables
    saudi = arts[arts.file.str.startswith("ar/saudinewsnet")]
    assert saudi.date_stated.isna().all()
    assert saudi.warnings.str.contains("date_extracted").all()
    assert not saudi.body.str.contains("Next Previous").any()


def test_eval_stated_dates_and_layouts(eval_tables):
    _, arts, _ = eval_tables
    by_file = arts.set_index("file")
    ham = by_file.loc["fa/hazm_test/hamshahri/1996/ham2_960623.xml"]
    assert (ham.format, ham.date_stated, ham.date_field) == ("trec", "1996-06-23", "DATE")
    assert "1375/04/03" in ham.warnings
    tnews = by_file.loc["fa/hazm_test/tnews/201409/20140923.xml"]
    assert tnews.date_stated == "2014-09-23T03:48:23.977" and tnews.date_field == "UTCDATE"
    assert tnews.body.startswith("به گزارش")
    persica = by_file.loc["fa/hazm_test/persica.csv"]
    assert persica.date_stated.startswith("138/5//09") and persica.category == "آموزشي-"
    assert persica.body.startswith("وزير علوم در جمع استادان نمونه كشور گفت")
    pn = arts[arts.file == "fa/hazm_test/pn-summary/test.csv"]
    assert set(pn.format) == {"tsv"} and not pn.body.str.contains(r"\[n\]", regex=True).any()
    assert pn.body.str.contains("\n").any()
    fars = arts[arts.file.str.startswith("fa/fars")]
    assert fars.body.str.len().min() > 50 and not fars.body.str.startswith("[").any()


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1256"])
@pytest.mark.parametrize("seed", SEEDS)
def test_encodings(tmp_path, corpus_dir, seeds, encoding, seed):
    text = (corpus_dir / seed).read_text(encoding="utf-8")
    if encoding == "cp1256":
        text = text.translate(CP1256_FOLD).replace("\u2022", "*")
    (tmp_path / seed).write_bytes(text.encode(encoding))
    out = read_file(tmp_path / seed, tmp_path)
    arts = out["articles"]
    expected = seeds["articles"][seeds["articles"].file == seed]
    assert out["problems"].empty
    assert len(arts) == len(expected)
    assert set(arts.encoding) == {encoding}
    assert arts.lang.tolist() == expected.lang.tolist()
    assert arts.title.tolist() == [t.translate(CP1256_FOLD) if encoding == "cp1256" else t
                                   for t in expected.title]
    if encoding == "cp1256":
        assert arts.warnings.str.contains("encoding guessed as cp1256").all()
    assert len(out["comments"]) == len(seeds["comments"][seeds["comments"].doc_id.isin(
        expected.doc_id)])


def test_undecodable_bytes_become_a_problem_and_the_rest_is_kept(tmp_path):
    raw = "خبر مهم\nنص الخبر في القاهرة اليوم.\n".encode() + b"\xff\xfe\xfa bad\n"
    out = one(tmp_path, "x.txt", raw, encoding="utf-8")
    assert out["problems"].reason.tolist() == ["encoding"]
    assert "x.txt" in out["problems"].detail.iloc[0]
    assert out["articles"].title.iloc[0] == "خبر مهم"


@pytest.mark.parametrize("damage", [
    lambda b: b[:500] + bytes([0xFF]) + b[500:],  # a stray byte
    lambda b: b[:501] + b[502:],  # a cut multi-byte sequence
    lambda b: b + "\nسطر أخير".encode("cp1256"),  # a line in another code page
])
def test_damaged_utf8_keeps_the_text_readable(tmp_path, corpus_dir, damage):
    raw = (corpus_dir / SEEDS[0]).read_bytes()
    source = raw.decode()
    out = one(tmp_path, "damaged.txt", damage(raw))
    assert out["problems"].reason.tolist() == ["encoding"]
    arts = out["articles"]
    assert len(arts) == 2
    assert arts.title.iloc[1] == "وزير الخارجية يلتقي الأمين العام لمنظمة التعاون الرقمي"
    lines = [ln for body in arts.body for ln in body.split("\n")]
    # no line turned into mojibake: at most the damaged line differs from the source
    assert sum(ln not in source for ln in lines) <= 1
    assert "ظ„" not in "".join(lines)  # the signature of UTF-8 read as cp1256


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"  \n\n ", "empty"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"abc\x00\x01\x02\x03\xff\xfe\x00\x00\x10", "binary"),
])
def test_empty_and_binary_files(tmp_path, content, reason):
    out = one(tmp_path, "f.txt", content)
    assert out["articles"].empty
    assert out["problems"].reason.tolist() == [reason]
    assert out["problems"].stage.tolist() == ["load"]
    assert "f.txt" in out["problems"].detail.iloc[0]


def test_too_large(tmp_path):
    out = one(tmp_path, "big.txt", "عنوان\n" + "متن " * 100, max_file_bytes=100)
    assert out["problems"].reason.tolist() == ["too-large"]


def test_missing_file_is_a_problem(tmp_path):
    out = read_file(tmp_path / "nope.txt", tmp_path)
    assert out["problems"].reason.tolist() == ["unreadable"]


# --------------------------------------------------------------------------- formats

ARTICLE_AR = "وصل وفد من الحركة إلى القاهرة لإجراء محادثات مع المسؤولين في مصر حول الأوضاع."
ARTICLE_FA = "هیات جنبش جهاد اسلامی با رئیس دستگاه اطلاعات مصر دیدار کرد و این دیدار مثبت بود."


def test_json_array_with_paragraph_lists(tmp_path):
    records = [
        {"Title": "عنوان یک", "paragraphs": ["بند یک است.", "بند دو است."], "link": "http://a/1",
         "tags": ["تهران", "مصر"], "cat": "politics", "subcat": "world"},
        {"headline": "عنوان دو", "paragraphs": str(["بند اول است.", "بند دوم"]),
         "datePublished": "2023-12-24", "author": {"name": "علی"}},
    ]
    out = one(tmp_path, "a.json", json.dumps(records, ensure_ascii=False))
    arts = out["articles"]
    assert arts.title.tolist() == ["عنوان یک", "عنوان دو"]
    assert arts.body.tolist() == ["بند یک است.\n\nبند دو است.", "بند اول است.\n\nبند دوم"]
    assert arts.keywords.iloc[0] == "تهران | مصر" and arts.category.iloc[0] == "politics/world"
    assert (arts.date_stated.iloc[1], arts.date_field.iloc[1]) == ("2023-12-24", "datePublished")
    assert arts.author.iloc[1] == "علی" and arts.url.iloc[0] == "http://a/1"
    assert set(arts.format) == {"json"} and set(arts.lang) == {"fa"}


def test_json_object_holding_a_list_and_a_dataset_outlet(tmp_path):
    data = {"source": "الأهرام", "articles": [{"title": "خبر", "body": ARTICLE_AR}]}
    arts = one(tmp_path, "b.json", json.dumps(data, ensure_ascii=False))["articles"]
    assert arts.outlet_stated.tolist() == ["الأهرام"] and arts.lang.tolist() == ["ar"]


def test_json_single_article_object(tmp_path):
    arts = one(tmp_path, "c.json", json.dumps({"title": "خبر", "text": ARTICLE_AR}))["articles"]
    assert arts.body.tolist() == [ARTICLE_AR]


def test_jsonl_with_a_bad_line(tmp_path):
    lines = [json.dumps({"title": f"عنوان {i}", "content": ARTICLE_FA}) for i in range(3)]
    lines.insert(1, '{"title": "broken"')
    out = one(tmp_path, "d.jsonl", "\n".join(lines) + "\n")
    assert out["articles"].part.tolist() == [0, 2, 3]
    assert out["problems"].reason.tolist() == ["jsonl-malformed"]
    assert out["problems"].part.tolist() == [1]
    assert "line 2" in out["problems"].detail.iloc[0]


def test_field_map_adds_names(tmp_path):
    text = json.dumps([{"onvan": "عنوان", "matn": ARTICLE_FA, "khabargozari": "ایرنا"}])
    out = one(tmp_path, "e.json", text,
              field_map={"title": ["onvan"], "body": ["matn"], "outlet": ["khabargozari"]})
    assert out["articles"][["title", "body", "outlet_stated"]].iloc[0].tolist() == [
        "عنوان", ARTICLE_FA, "ایرنا"]


def test_csv_with_quoted_newlines(tmp_path):
    path = tmp_path / "f.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "content", "date", "website"])
        w.writerow(["1", "عنوان, با ویرگول", "بند یک\nبند دو " + ARTICLE_FA, "1402/03/16", "isna"])
        w.writerow(["2", "خبر", ARTICLE_AR, "2023-12-24", "ahram"])
    out = read_file(path, tmp_path)
    arts = out["articles"]
    assert out["problems"].empty
    assert arts.title.tolist() == ["عنوان, با ویرگول", "خبر"]
    assert arts.body.iloc[0].startswith("بند یک\nبند دو")
    assert arts.date_stated.tolist() == ["1402/03/16", "2023-12-24"]
    assert arts.outlet_stated.tolist() == ["isna", "ahram"] and arts.lang.tolist() == ["fa", "ar"]


def test_tsv_with_paragraph_marks(tmp_path):
    text = "title\tarticle\tnetwork\tlink\nعنوان\tبند یک است.[n]بند دو است.\tMehr\thttp://m/1\n"
    arts = one(tmp_path, "g.tsv", text)["articles"]
    assert arts.body.tolist() == ["بند یک است.\nبند دو است."]
    assert arts.format.tolist() == ["tsv"] and arts.outlet_stated.tolist() == ["Mehr"]


def test_csv_one_value_per_line_with_two_records(tmp_path):
    rec = ["{id},", "{title},", "{body},", "1402/3/16,", "10:30:00,", "سیاسی,"]
    lines = [v.format(id=i, title=f"عنوان {i}", body=ARTICLE_FA) for i in (101, 102) for v in rec]
    arts = one(tmp_path, "h.csv", "\r\n".join(lines))["articles"]
    assert arts.title.tolist() == ["عنوان 101", "عنوان 102"]
    assert arts.body.tolist() == [ARTICLE_FA, ARTICLE_FA]
    assert arts.date_stated.tolist() == ["1402/3/16 10:30:00"] * 2
    assert arts.category.tolist() == ["سیاسی", "سیاسی"]


TREC = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HAMSHAHRI2 SYSTEM "hamshahri.dtd">
<HAMSHAHRI2>
<DOC><DOCID>A-1</DOCID><DATE calender="Persian">1375/04/03</DATE>
<DATE calender="Western">1996-06-23</DATE><CAT xml:lang="fa">سیاسی</CAT>
<TITLE><![CDATA[عنوان
یک]]></TITLE><TEXT><![CDATA[{ARTICLE_FA}]]></TEXT></DOC>
<DOC><DOCID>A-2</DOCID><TITLE>عنوان دو</TITLE><TEXT>{ARTICLE_FA} &amp; {ARTICLE_FA}</TEXT></DOC>
</HAMSHAHRI2>
"""


def test_trec_xml(tmp_path):
    arts = one(tmp_path, "i.xml", TREC)["articles"]
    assert arts.title.tolist() == ["عنوان یک", "عنوان دو"]
    assert arts.format.tolist() == ["trec", "trec"]
    assert arts.date_stated.iloc[0] == "1996-06-23" and "1375/04/03" in arts.warnings.iloc[0]
    assert arts.category.iloc[0] == "سیاسی" and "&" in arts.body.iloc[1]


def test_trec_sgml_without_root_and_with_html_entities(tmp_path):
    text = (f"<DOC>\n<DOCNO>1</DOCNO>\n<TITLE>خبر&nbsp;یک</TITLE>\n"
            f"<TEXT>{ARTICLE_AR} a < b</TEXT>\n</DOC>\n")
    out = one(tmp_path, "j.trec", text * 2)
    assert len(out["articles"]) == 2 and out["problems"].empty
    assert out["articles"].title.iloc[0] == "خبر یک"


def test_several_root_elements(tmp_path):
    text = ('<?xml version="1.0"?><!DOCTYPE TNews SYSTEM "TNews.dtd"><TNews><COPYRIGHT>c'
            '</COPYRIGHT></TNews>' + "".join(
                f"<NEWS><URL><![CDATA[http://x/{i}]]></URL><UTCDATE>2014-09-2{i}</UTCDATE>"
                f"<TITLE>عنوان {i}</TITLE><BRIEF>خلاصه</BRIEF><DESCRIPTION>{ARTICLE_FA}"
                "</DESCRIPTION></NEWS>" for i in range(2)))
    arts = one(tmp_path, "k.xml", text)["articles"]
    assert arts.url.tolist() == ["http://x/0", "http://x/1"]
    assert arts.body.tolist() == [ARTICLE_FA] * 2 and arts.date_field.tolist() == ["UTCDATE"] * 2


@pytest.mark.parametrize("payload", [
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    "<l><title>x</title><text>&b;</text></l>",
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    "<l><title>x</title><text>&e;</text></l>",
])
def test_unsafe_xml_is_refused(tmp_path, payload):
    out = one(tmp_path, "evil.xml", payload)
    assert out["articles"].empty
    assert out["problems"].reason.tolist() == ["xml-unsafe"]


RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>خبرگزاری نمونه</title>
<item><title>خبر یک</title><link>https://n.ir/1</link>
<pubDate>Sat, 24 Dec 2023 10:00:00 GMT</pubDate>
<description>&lt;p&gt;{ARTICLE_FA}&lt;/p&gt;</description><dc:creator>رضا</dc:creator>
<category>سیاسی</category><category>بین‌الملل</category></item>
<item><title>خبر دو</title><link>https://n.ir/2</link>
<content:encoded><![CDATA[<p>{ARTICLE_FA}</p><p>بند دوم.</p>]]></content:encoded></item>
</channel></rss>"""


def test_rss(tmp_path):
    arts = one(tmp_path, "feed.xml", RSS)["articles"]
    assert arts.format.tolist() == ["rss", "rss"]
    assert arts.outlet_stated.tolist() == ["خبرگزاری نمونه"] * 2
    assert arts.url.tolist() == ["https://n.ir/1", "https://n.ir/2"]
    assert arts.date_stated.iloc[0] == "Sat, 24 Dec 2023 10:00:00 GMT"
    assert arts.date_field.iloc[0] == "pubDate"
    assert arts.body.tolist() == [ARTICLE_FA, f"{ARTICLE_FA}\n\nبند دوم."]
    assert arts.author.iloc[0] == "رضا" and arts.category.iloc[0] == "سیاسی | بین‌الملل"


ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>الأهرام</title>
<entry><title>خبر</title><link rel="alternate" href="https://a.eg/1"/>
<published>2023-12-24T10:00:00Z</published><updated>2023-12-25T10:00:00Z</updated>
<author><name>محمد</name></author><content type="html">&lt;p&gt;{ARTICLE_AR}&lt;/p&gt;</content>
</entry></feed>"""


def test_atom(tmp_path):
    arts = one(tmp_path, "feed.atom", ATOM)["articles"]
    row = arts.iloc[0]
    assert (row.format, row.outlet_stated, row.url, row.author) == (
        "atom", "الأهرام", "https://a.eg/1", "محمد")
    assert (row.date_stated, row.date_field) == ("2023-12-24T10:00:00Z", "published")
    assert row.body == ARTICLE_AR and row.lang == "ar"


HTML = f"""<!DOCTYPE html><html><head><title>خبر | الموقع</title>
<meta property="og:site_name" content="صدى البلد"><meta property="og:url" content="https://e.com/1">
<script>var x = "<p>لا</p>";</script><style>p {{color: red}}</style></head>
<body><nav><a>الرئيسية</a></nav><div class="side"><p>إعلان</p></div>
<div class="story"><h1>وزير الخارجية يلتقي الأمين العام</h1>
<time datetime="2025-12-06T09:00:00+02:00">السبت</time>
<p>{ARTICLE_AR}</p><p>فقرة ثانية من الخبر في القاهرة.</p><p>شارك</p></div>
<footer>جميع الحقوق محفوظة</footer></body></html>"""


def test_html_page(tmp_path):
    arts = one(tmp_path, "page.html", HTML)["articles"]
    row = arts.iloc[0]
    assert row.title == "وزير الخارجية يلتقي الأمين العام"
    assert row.outlet_stated == "صدى البلد" and row.url == "https://e.com/1"
    assert row.date_stated == "2025-12-06T09:00:00+02:00" and row.date_field == "<time datetime>"
    assert ARTICLE_AR in row.body and "فقرة ثانية" in row.body
    for junk in ("الرئيسية", "إعلان", "جميع الحقوق", "color", "var x", "شارك"):
        assert junk not in row.body


def test_html_teaser_article_cards_do_not_hide_the_story(tmp_path):
    page = (f"<html><body><article><a>خبر آخر</a></article><article><a>خبر ثالث</a></article>"
            f"<div id='story'><h1>العنوان</h1><p>{ARTICLE_AR}</p><p>{ARTICLE_AR}</p></div>"
            "</body></html>")
    row = one(tmp_path, "cards.htm", page)["articles"].iloc[0]
    assert row.title == "العنوان" and row.body == f"{ARTICLE_AR}\n\n{ARTICLE_AR}"


@pytest.mark.parametrize("first_line", ["[عاجل] وفد يصل إلى القاهرة", "<<وفد يصل إلى القاهرة>>",
                                        "{تحديث} وفد يصل إلى القاهرة"])
def test_text_page_that_looks_like_json_or_xml(tmp_path, first_line):
    out = one(tmp_path, "page.txt", f"{first_line}\n{ARTICLE_AR}\n")
    assert out["problems"].empty
    row = out["articles"].iloc[0]
    assert (row.format, row.title, row.body) == ("txt", first_line, ARTICLE_AR)
    assert "read as a text page" in row.warnings


def test_mirastext(tmp_path):
    lines = [f"{ARTICLE_FA} *** توضیح *** کلید *** عنوان {i} *** site{i}.ir *** http://s{i}.ir/n"
             for i in range(2)] + ["خبرگزاری *** nan *** nan *** خبرگزاری *** s.ir *** http://s.ir"]
    arts = one(tmp_path, "m.txt", "\n".join(lines) + "\n")["articles"]
    assert arts.format.tolist() == ["mirastext"] * 3
    assert arts.title.tolist() == ["عنوان 0", "عنوان 1", "خبرگزاری"]
    assert arts.outlet_stated.tolist() == ["site0.ir", "site1.ir", "s.ir"]
    assert arts.keywords.iloc[0] == "کلید" and pd.isna(arts.keywords.iloc[2])


# --------------------------------------------------------------------------- discovery


def test_discover_skips_docs_hidden_and_links_outside(tmp_path):
    root = tmp_path / "corpus"
    (root / "ar").mkdir(parents=True)
    (root / ".git").mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    for name in ("README.md", "LICENSE", "ar/a.txt", "ar/README.md", ".git/x.txt",
                 "ar/.~lock.txt", "schema.dtd"):
        (root / name).write_text("x")
    os.symlink(outside, root / "ar" / "link.txt")
    os.symlink(root, root / "ar" / "loop")
    os.symlink(tmp_path, root / "up")
    files, problems = discover(root)
    assert [f.relative_to(root).as_posix() for f in files] == ["ar/README.md", "ar/a.txt"]
    assert sorted(problems.reason) == ["symlink-loop", "symlink-outside", "symlink-outside"]
    assert list(problems.columns) == tables.columns("problems")


def test_broken_file_among_good_ones(tmp_path, corpus_dir):
    for seed in SEEDS:
        (tmp_path / seed).write_bytes((corpus_dir / seed).read_bytes())
    (tmp_path / "broken.json").write_text('[{"title": "x", "content": "y"', encoding="utf-8")
    out = load_folder(tmp_path)
    assert len(out["articles"]) == 3
    assert out["problems"][["file", "reason"]].values.tolist() == [["broken.json",
                                                                    "json-malformed"]]
    assert "broken.json" in out["problems"].detail.iloc[0]


# --------------------------------------------------------------------------- never raises


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000),
       name=st.sampled_from(["a.txt", "a.json", "a.jsonl", "a.csv", "a.tsv", "a.xml", "a.html",
                             "a", "a.rss"]))
def test_read_file_never_raises_on_random_bytes(tmp_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    out = read_file(path, tmp_path)
    assert set(out) == {"articles", "comments", "problems"}
    for table, df in out.items():
        assert list(df.columns) == tables.columns(table)
    assert len(out["articles"]) + len(out["problems"]) >= 1


_PIECES = st.sampled_from(["<", ">", "<DOC>", "</DOC>", "{", "}", "[", "]", '"', ",", "\t",
                           "\n", "***", "<title>", "</title>", "&", "&amp;", "<![CDATA[", "]]>",
                           "خبر", "نظرات", "اقرأ أيضا", "0 0", "<rss>", "<html>", ":", "\x00"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_PIECES, max_size=60),
       name=st.sampled_from(["a.txt", "a.json", "a.csv", "a.xml", "a.html", "a"]))
def test_read_file_never_raises_on_structured_noise(tmp_path, pieces, name):
    path = tmp_path / name
    path.write_text("".join(pieces), encoding="utf-8")
    out = read_file(path, tmp_path)
    assert len(out["articles"]) + len(out["problems"]) >= 1


@given(st.text(alphabet="ab \r\n\x0b\x85\u2028\x1c", max_size=60), st.integers(0, 8),
       st.integers(1, 20))
def test_first_lines_are_the_first_of_splitlines(text, n, chunk):
    assert loading._first_lines(text, n, chunk) == text.splitlines()[:n]


@given(st.lists(st.sampled_from(["", "/", "//", ".", "..", "a", "b.txt", "\udcff", "x y"]),
                min_size=1, max_size=5).map("".join),
       st.lists(st.sampled_from(["", "/", "//", ".", "a", "b"]), min_size=1,
                max_size=3).map("".join),
       st.booleans())
def test_relative_names_as_pathlib_gives_them(name, base, under):
    root = Path(base or ".")
    path = root / (name or ".") if under else Path(name or ".")
    try:
        expected = path.relative_to(root).as_posix()
    except ValueError:
        expected = path.as_posix()
    expected = expected.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    assert loading._rel(path, root) == expected


@given(st.text(max_size=40))
def test_surrogates_are_found(text):
    import re

    assert loading._has_surrogate(text) == bool(re.search("[\ud800-\udfff]", text))


def test_a_surrogate_far_into_a_long_text_is_found():
    assert loading._has_surrogate("س" * 100_000 + "\ud800" + "س")
    assert not loading._has_surrogate("س" * 100_000 + "😀")


@given(st.lists(st.sampled_from(["[n]", "[n", "n]", "[", " ", "\t", "\n", "\xa0", "\u2028", "\x1c",
                                 "\x85", "\u200c", "a", "خ"]), max_size=20).map("".join))
def test_paragraph_marks_as_the_regular_expression_gives_them(text):
    import re

    assert loading._paragraphs(text) == re.sub(r"\s*\[n\]\s*", "\n", text)


class _AmpAlwaysTried:
    """``loading._AMP`` for the plain path: the text is always parsed once as it is."""

    def search(self, text: str) -> None:
        return None

    def sub(self, repl, text: str) -> str:
        return _AMP.sub(repl, text)


_AMP = loading._AMP
_XML_PIECES = st.sampled_from(["<a>", "</a>", "<b x='1'>", "<b x='&amp;'>", "<b x='&'>", "</b>",
                               "<c/>", "&", "&amp;", "&nbsp;", "&#38;", "&#x26;", "&#12a;", "&lt;",
                               "&amp", "<![CDATA[", "]]>", "<!--", "-->", "<?p x?>", "خبر", " ",
                               ";", "#", "x", "<![CDATA[&]]>", "<![CDATA[ &amp; ]]>", "<!-- & -->",
                               "<?p & ?>"])


def _xml_outcome(text: str) -> tuple[str, str]:
    import xml.etree.ElementTree as ET

    try:
        return "tree", ET.tostring(loading.parse_xml(text), encoding="unicode")
    except loading.LoadError as exc:
        return exc.reason, exc.detail


@given(st.lists(_XML_PIECES, max_size=12).map("".join))
def test_xml_with_a_bare_ampersand_parses_as_when_tried_first(text):
    # a text with a bare "&" (and no CDATA, comment or instruction) goes straight to repair
    shortcut = _xml_outcome(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loading, "_AMP", _AmpAlwaysTried())
        assert _xml_outcome(text) == shortcut


_FIELD_KEYS = st.sampled_from(["title", "Title", " TITLE ", "text", "Content", "body", "date",
                               "DATE[persian]", "date[hijri]", "date_extracted", "abstract",
                               "tags", "source", "url", "x", "Matn", "tarikh[persian]"])
_OPTIONS = st.sampled_from([None, LoadOptions(field_map={"body": ["matn"], "date": "tarikh",
                                                         "title": ["text"]})])
_VALUE_PIECES = st.sampled_from(["خبر", " ", "\n", "\\", "u", "U", "d800", "0000d800", "\ud800",
                                 "[", "]", "'", '"', ",", "<p>", "nan", "[n]"])
_VALUES = st.one_of(st.lists(_VALUE_PIECES, max_size=8).map("".join),
                    st.lists(st.lists(_VALUE_PIECES, max_size=4).map("".join), max_size=3),
                    st.integers(), st.none())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.dictionaries(_FIELD_KEYS, _VALUES, max_size=6), min_size=1,
                        max_size=6),
       ascii_only=st.booleans(), name=st.sampled_from(["a.json", "a.jsonl", "a.csv"]),
       options=_OPTIONS)
def test_records_of_a_file_read_as_each_mapped_with_every_check(tmp_path, records, ascii_only,
                                                               name, options):
    # the per-file shortcuts (one field plan per key set, no surrogate check where the text
    # cannot make a surrogate) change nothing
    if name == "a.json":
        text = json.dumps(records, ensure_ascii=ascii_only)
    elif name == "a.jsonl":
        text = "\n".join(json.dumps(r, ensure_ascii=ascii_only) for r in records)
    else:
        header = list(dict.fromkeys(k for r in records for k in r)) or ["title"]
        rows = [header] + [[str(r.get(k, "")) for k in header] for r in records]
        buffer = __import__("io").StringIO()
        csv.writer(buffer).writerows(rows)
        text = buffer.getvalue()
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    fast = loading.read_records(path, tmp_path, options)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loading, "_may_hold_surrogates", lambda *_: True)
        mp.setattr(loading, "_PLANS", 0)
        assert loading.read_records(path, tmp_path, options) == fast


def _map_record_plain(record, names):
    """map_record as first written: every key lowered and looked up for each record."""
    lower = {}
    for key, value in record.items():
        lower.setdefault(str(key).strip().lower(), value)
    out = {"warnings": []}
    index = loading._name_index(names)
    present = {}
    for key in lower:
        for col, rank in index.get(key, ()):
            present.setdefault(col, []).append((rank, key))

    def original(lowered):
        return next(str(k) for k in record if str(k).strip().lower() == lowered)

    def first(col, items=False):
        for _, name in sorted(present.get(col, ())):
            value = loading._items(lower[name]) if items else loading._text(lower[name])
            if value:
                return name, value
        return None, None

    _, out["title"] = first("title")
    body_field, body = first("body")
    if body is None:
        body_field, body = first("lead")
        if body is not None:
            out["warnings"].append(f"body taken from the {body_field!r} field")
    out["body"] = body
    date_field, out["date_stated"] = first("date")
    out["date_field"] = original(date_field) if date_field else None
    _, out["outlet_stated"] = first("outlet")
    _, out["url"] = first("url")
    _, out["author"] = first("author", items=True)
    _, category = first("category", items=True)
    _, sub = first("subcategory", items=True)
    out["category"] = f"{category}/{sub}" if category and sub else category or sub
    _, out["keywords"] = first("keywords", items=True)
    for key, value in lower.items():
        if ("[" in key and key != date_field and key.split("[", 1)[0] in names["date"]
                and loading._text(value)):
            out["warnings"].append(f"also stated: {original(key)}={loading._text(value)}")
    for name in loading.CRAWL_FIELDS:
        value = loading._text(lower[name]) if name in lower else None
        if value:
            out["warnings"].append(f"crawl time {name}={value} is not a publication date")
    return out


@given(record=st.dictionaries(_FIELD_KEYS | st.sampled_from(["Date", "SUMMARY", 1, True]),
                              _VALUES, max_size=8),
       field_map=st.sampled_from([{}, {"body": ["matn"], "date": "tarikh", "title": ["text"]}]))
def test_map_record_as_first_written(record, field_map):
    names = loading._field_names(field_map)
    assert loading.map_record(record, names) == _map_record_plain(record, names)
