"""Raw pages: splitting at "read also" headers, furniture lines, comments."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import rawtext

STORY_AR = ("وصل وفد من الحركة إلى القاهرة لإجراء محادثات مع المسؤولين المصريين حول الأوضاع "
            "في قطاع غزة، بحسب ما أفاد مصدر في الحركة لوكالة رويترز يوم الأحد الماضي.")
STORY_FA = ("هیات جنبش جهاد اسلامی با رئیس دستگاه اطلاعات مصر دیدار کرد و دو طرف درباره آخرین "
            "تحولات سیاسی و میدانی در نوار غزه و کرانه باختری گفت وگو کردند.")


def page(*lines: str) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize("header", [
    "إقرأ أيضاً:", "اقرأ أيضا", "اقرأ أيضًا:", "شاهد أيضا", "بیشتر بخوانید:", "مطالب مرتبط",
    "بخوانید:", "  • اقرأ أيضاً  ", "طالع أيضاً",
])
def test_split_at_read_also_headers(header):
    arts = rawtext.parse_page(page("العنوان الأول", STORY_AR, header, "العنوان الثاني", STORY_AR))
    assert [a.title for a in arts] == ["العنوان الأول", "العنوان الثاني"]
    assert [a.body for a in arts] == [STORY_AR, STORY_AR]


def test_header_inside_a_sentence_does_not_split():
    text = page("عنوان", f"{STORY_AR} اقرأ أيضا ما كتبناه أمس.", STORY_AR)
    assert len(rawtext.parse_page(text)) == 1


def test_short_segment_after_header_is_a_related_link():
    arts = rawtext.parse_page(page("عنوان", STORY_AR, "اقرأ أيضا:", "خبر مرتبط قصير"))
    assert len(arts) == 1 and arts[0].body == STORY_AR
    assert "خبر مرتبط قصير" in arts[0].warnings[0]


@pytest.mark.parametrize("line, field, value", [
    ("كلمات دلالية: غزة القاهرة", "keywords", "غزة القاهرة"),
    ("الكلمات المفتاحية: غزة", "keywords", "غزة"),
    ("برچسب‌ها: غزه، مصر", "keywords", "غزه، مصر"),
    ("کلیدواژه: مصر", "keywords", "مصر"),
    ("Tags: Gaza, Cairo", "keywords", "Gaza, Cairo"),
    ("المصدر: صدى البلد", "source_line", "المصدر: صدى البلد"),
    ("منبع: ایرنا", "source_line", "منبع: ایرنا"),
    ("تاريخ النشر: 24th, December 2023 GMT", "dateline", "تاريخ النشر: 24th, December 2023 GMT"),
    ("نشر في 24 ديسمبر 2023", "dateline", "نشر في 24 ديسمبر 2023"),
    ("تاریخ انتشار: ۱۶ خرداد ۱۴۰۲", "dateline", "تاریخ انتشار: ۱۶ خرداد ۱۴۰۲"),
])
def test_furniture_lines_go_to_their_fields(line, field, value):
    [art] = rawtext.parse_page(page("عنوان", line, STORY_AR))
    assert getattr(art, field) == value
    assert art.body == STORY_AR


def test_keyword_marker_alone_takes_the_next_line():
    [art] = rawtext.parse_page(page("عنوان", STORY_FA, "برچسب‌ها", "غزه مصر"))
    assert art.keywords == "غزه مصر" and art.body == STORY_FA


def test_date_only_line_near_the_top_is_a_dateline():
    [art] = rawtext.parse_page(page("عنوان", "۲۴ مرداد ۱۳۹۶ - ۱۹:۴۰", STORY_FA))
    assert art.dateline == "۲۴ مرداد ۱۳۹۶ - ۱۹:۴۰" and art.body == STORY_FA


def test_sentence_with_a_year_stays_in_the_body():
    line = "وقال الوزير إن 25 شخصا قتلوا في عام 2023 خلال الهجوم على المدينة الساحلية."
    [art] = rawtext.parse_page(page("عنوان", line))
    assert art.body == line and art.dateline is None


@pytest.mark.parametrize("junk", [
    "// انتهى //", "انتهى", "(انتهى)", "/انتهى/", "انتهای پیام", "Next Previous",
    "شارك", "فيسبوك تويتر واتساب", "اشتراک گذاری", "تلگرام | توییتر",
])
def test_dropped_lines(junk):
    [art] = rawtext.parse_page(page("عنوان", STORY_AR, junk, STORY_AR))
    assert art.body == f"{STORY_AR}\n{STORY_AR}"


def test_menus_drop_the_rest():
    [art] = rawtext.parse_page(page("عنوان", STORY_FA, "", "این مطالب را از دست ندهید....",
                                    "", "تیتر یک خبر دیگر", "فیلم برگزیده", "برگزیده عکس"))
    assert art.body == STORY_FA


def test_comments_are_split_with_their_dates():
    text = page("عنوان", STORY_FA, "نظرات", "انتشار یافته: 2", "در انتظار بررسی: 0",
                "• IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶", "0 0", "نظر اول", "ادامه نظر اول",
                "علی رضایی ۱۴۰۲/۰۳/۱۷ - ۱۰:۰۰", "3 1", "نظر دوم", "برگزیده ورزشی")
    [art] = rawtext.parse_page(text)
    assert art.body == STORY_FA
    assert [(c.date_raw, c.author, c.text) for c in art.comments] == [
        ("IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶", None, "نظر اول\nادامه نظر اول"),
        ("۱۴۰۲/۰۳/۱۷ - ۱۰:۰۰", "علی رضایی", "نظر دوم"),
    ]


def test_comment_form_only():
    [art] = rawtext.parse_page(page("عنوان", STORY_AR, "أضف تعليق", "الاسم", "البريد الإلكتروني",
                                    "captcha"))
    assert art.body == STORY_AR and art.comments == []


def test_clean_body_keeps_first_line_and_strips_navigation():
    art = rawtext.clean_body(f" \xa0 Next Previous عين اليوم – جدة\n{STORY_AR}\n// انتهى //")
    assert art.title is None and art.body == f"عين اليوم – جدة\n{STORY_AR}"


def test_every_marker_has_a_key():
    data = json.loads(rawtext.DATA_FILE.read_text(encoding="utf-8"))
    for name, section in data.items():
        if name.startswith("_"):
            continue
        assert section["doc"], name
        for marker in section["markers"]:
            assert rawtext.line_key(marker) or name == "inline_prefixes", (name, marker)


@pytest.mark.parametrize("header", json.loads(
    rawtext.DATA_FILE.read_text(encoding="utf-8"))["split_headers"]["markers"])
def test_every_split_header_splits(header):
    arts = rawtext.parse_page(page("أ", STORY_AR, header, "ب", STORY_AR))
    assert [a.title for a in arts] == ["أ", "ب"]


_LINES = st.sampled_from([STORY_AR, STORY_FA, "", "  ", "اقرأ أيضا:", "نظرات", "0 0", "captcha",
                          "IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶", "كلمات دلالية: أ ب", "المصدر: س", "شارك",
                          "فیلم برگزیده", "عنوان قصير", "// انتهى //", "\r", "برچسب‌ها"])


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_LINES, max_size=30))
def test_bodies_are_made_of_original_lines(lines):
    text = "\n".join(lines)
    for art in rawtext.parse_page(text):
        for line in art.body.split("\n"):
            assert line == "" or line in lines
        assert "نظرات" not in art.body and "captcha" not in art.body
        for comment in art.comments:
            assert comment.text


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=500))
def test_parse_page_never_raises(text):
    for art in rawtext.parse_page(text):
        assert art.title or art.body or art.comments


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120) | st.sampled_from(
    ["برچسب‌ها:", "  • إقرأ أيضاً:", "تاريخ النشر: ٢٤ ديسمبر", "ﻻ ـبد", "IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶"]))
def test_fast_line_key_equals_the_shared_key(text):
    from helpers import textnorm

    # NUL is left out: textnorm.normalize deletes it on its vectorised path only
    # ("\x00ß" keeps it), so the two paths of normalize itself differ there.
    text = text.replace("\x00", "")
    assert rawtext._short_normalizer()(text) == textnorm.normalize(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=150) | st.sampled_from(
    ["  • إقرأ أيضاً:", "// انتهى //", "...", "_x_", "برچسب‌ها:\n", "a\n\n", "\u0640"]))
def test_line_key_trims_the_edges_as_the_pattern_says(text):
    import re

    from helpers import textnorm

    # the key's edges lose exactly what ^[\W_]+ and [\W_]+$ match
    text = text.replace("\x00", "")
    expected = re.sub(r"^[\W_]+|[\W_]+$", "", textnorm.normalize(text[:96]))
    assert rawtext.line_key(text) == expected
    assert rawtext.line_key(text) == expected  # again, from the cache


_MARKERS = [m for name, section in json.loads(rawtext.DATA_FILE.read_text(encoding="utf-8")).items()
            if not name.startswith("_") for m in section["markers"]]
_NOISE = st.sampled_from(["", " ", "•", "_", "-", ".", ":", "ـ", "ً", "\u200c", "ﻻ", "ـ" * 30,
                          " " * 30, "." * 40, "۱۴۰۲", "x" * 50, "Tags", "«", "\xa0"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_NOISE | st.sampled_from(_MARKERS) | st.text(max_size=8), max_size=6).map("".join))
def test_lines_passed_without_a_key_match_no_marker(line):
    # _line_info skips the key of a line whose first word starts no marker: never wrongly
    head = line[:96]
    assert rawtext._line_info(head) == rawtext._classify(rawtext.line_key(head))


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_LINES | st.sampled_from(_MARKERS), max_size=30), find_title=st.booleans())
def test_lines_without_markers_take_a_short_way_to_the_same_article(lines, find_title):
    # _parse skips the marker checks for _NO_INFO itself; an equal copy goes through them all
    read = rawtext._read_lines(lines)
    checked = [(line, stripped, short, rawtext._LineInfo(*info))
               for line, stripped, short, info in read]
    assert rawtext._parse(read, find_title) == rawtext._parse(checked, find_title)
