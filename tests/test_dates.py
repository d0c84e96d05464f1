"""Dates: real-world forms in three calendars and three digit systems, publication evidence."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from unittest import mock

import hijridate
import jdatetime
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import dates, tables, textnorm

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"

# (text, lang, surface found, local day or "day hh:mm", calendar, precision).
# Expected days worked out by hand from calendar tables (Nowruz, Eid, Mawlid dates ...).
FORMS = [
    # English months inside Arabic and Persian pages
    ("تاريخ النشر: 24th, December 2023 GMT", "ar", "24th, December 2023 GMT", "2023-12-24",
     "gregorian", "day"),
    ("لندن - الرياضية | Tuesday, 11 August 2015 - 15:46 pm", "ar",
     "Tuesday, 11 August 2015 - 15:46 pm", "2015-08-11 15:46", "gregorian", "minute"),
    ("| Tuesday, 11 August 2015 - 00:00 am", "ar", "Tuesday, 11 August 2015 - 00:00 am",
     "2015-08-11 00:00", "gregorian", "minute"),
    ("دبي- الرياضية | Tuesday, 09 June 2015 - 17:04 pm", "ar",
     "Tuesday, 09 June 2015 - 17:04 pm", "2015-06-09 17:04", "gregorian", "minute"),
    ("٢٤ ذو القعدة ١٤٣٨ Wednesday, August 16, 2017", None, "Wednesday, August 16, 2017",
     "2017-08-16", "gregorian", "day"),
    ("صدر في 1st January 2020 بيان", "ar", "1st January 2020", "2020-01-01", "gregorian", "day"),
    ("March 3rd, 2021", None, "March 3rd, 2021", "2021-03-03", "gregorian", "day"),
    ("Sept 5, 2019 10:30 UTC", None, "Sept 5, 2019 10:30 UTC", "2019-09-05 10:30", "gregorian",
     "minute"),
    ("Mon, 2 Jan 2006 15:04:05 +0300", None, "Mon, 2 Jan 2006 15:04:05 +0300",
     "2006-01-02 15:04", "gregorian", "minute"),
    ("on 5 May 2020 the", None, "5 May 2020", "2020-05-05", "gregorian", "day"),
    ("في December 2023 قال", "ar", "December 2023", "2023-12-01", "gregorian", "month"),
    # Arabic Gregorian months, both naming systems, Maghrebi spellings
    ("الرياض 11 أغسطس 2015 واس", "ar", "11 أغسطس 2015", "2015-08-11", "gregorian", "day"),
    ("الموافق 11 اغسطس 2015 م واس", "ar", "11 اغسطس 2015 م", "2015-08-11", "gregorian", "day"),
    ("الثلاثاء 11 أغسطس 2015", "ar", "الثلاثاء 11 أغسطس 2015", "2015-08-11", "gregorian", "day"),
    ("٢٤ ديسمبر ٢٠٢٣", "ar", "٢٤ ديسمبر ٢٠٢٣", "2023-12-24", "gregorian", "day"),
    ("24 كانون الأول 2023", "ar", "24 كانون الأول 2023", "2023-12-24", "gregorian", "day"),
    ("3 آب 2015", "ar", "3 آب 2015", "2015-08-03", "gregorian", "day"),
    ("15 أيلول 2019", "ar", "15 أيلول 2019", "2019-09-15", "gregorian", "day"),
    ("1 سبتمبر أيلول 2019", "ar", "1 سبتمبر أيلول 2019", "2019-09-01", "gregorian", "day"),
    ("12 جانفي 2020", "ar", "12 جانفي 2020", "2020-01-12", "gregorian", "day"),
    ("28 فيفري 2019", "ar", "28 فيفري 2019", "2019-02-28", "gregorian", "day"),
    ("1 ماي 2018", "ar", "1 ماي 2018", "2018-05-01", "gregorian", "day"),
    ("5 جويلية 1962", "ar", "5 جويلية 1962", "1962-07-05", "gregorian", "day"),
    ("20 أوت 1955", "ar", "20 أوت 1955", "1955-08-20", "gregorian", "day"),
    ("في 28 أبريل (نيسان) 1941 ولد", "ar", "28 أبريل (نيسان) 1941", "1941-04-28", "gregorian",
     "day"),
    ("منذ أكتوبر (تشرين الأول) 2008", "ar", "أكتوبر (تشرين الأول) 2008", "2008-10-01",
     "gregorian", "month"),
    ("تشرين الثاني 2011", "ar", "تشرين الثاني 2011", "2011-11-01", "gregorian", "month"),
    ("٥ حزيران ١٩٦٧", "ar", "٥ حزيران ١٩٦٧", "1967-06-05", "gregorian", "day"),
    ("يوم 26 فبراير 2016 قال", "ar", "26 فبراير 2016", "2016-02-26", "gregorian", "day"),
    ("10 يونيو، 2014", "ar", "10 يونيو، 2014", "2014-06-10", "gregorian", "day"),
    ("2 مايو 2011 الساعة 10:30", "ar", "2 مايو 2011 الساعة 10:30", "2011-05-02 10:30",
     "gregorian", "minute"),
    ("٧ أكتوبر ٢٠٢٣ بتوقيت القدس", "ar", "٧ أكتوبر ٢٠٢٣ بتوقيت القدس", "2023-10-07",
     "gregorian", "day"),
    ("حرب تموز 2006", "ar", "تموز 2006", "2006-07-01", "gregorian", "month"),
    ("1 إبريل 2020", "ar", "1 إبريل 2020", "2020-04-01", "gregorian", "day"),
    ("ينبع26 شوال 1436هـ الموافق 011 أغسطس 2015 م", "ar", "011 أغسطس 2015 م", "2015-08-11",
     "gregorian", "day"),
    # Persian Solar Hijri months, also with Arabic ي/ك
    ("شناسه خبر: 96106 ۲۴ مرداد ۱۳۹۶ - ۱۹:۴۰ بررسی", "fa", "۲۴ مرداد ۱۳۹۶ - ۱۹:۴۰",
     "2017-08-15 19:40", "jalali", "minute"),
    ("يكشنبه 3 تير 1375، 23 ژوئن 1996", "fa", "يكشنبه 3 تير 1375", "1996-06-23", "jalali",
     "day"),
    ("سه شنبه 29 دی 1394 - 19:56 فلسطین", "fa", "سه شنبه 29 دی 1394 - 19:56",
     "2016-01-19 19:56", "jalali", "minute"),
    ("یکشنبه 13 فروردین 1396 - 17:55:44 | کد", "fa", "یکشنبه 13 فروردین 1396 - 17:55:44",
     "2017-04-02 17:55", "jalali", "minute"),
    ("صبح امروز 10 بهمن ماه 1391 با حضور", "fa", "10 بهمن ماه 1391", "2013-01-29", "jalali",
     "day"),
    ("در شماره11تيرماه1379 روزنامه", "fa", "11تيرماه1379", "2000-07-01", "jalali", "day"),
    ("۱ فروردین ۱۴۰۳", "fa", "۱ فروردین ۱۴۰۳", "2024-03-20", "jalali", "day"),
    ("۲۹ اسفند ۱۴۰۲", "fa", "۲۹ اسفند ۱۴۰۲", "2024-03-19", "jalali", "day"),
    ("۳۰ اسفند ۱۴۰۳", "fa", "۳۰ اسفند ۱۴۰۳", "2025-03-20", "jalali", "day"),
    ("۱۵ اردیبهشت ۱۴۰۰", "fa", "۱۵ اردیبهشت ۱۴۰۰", "2021-05-05", "jalali", "day"),
    ("۱ مهر ۱۴۰۲", "fa", "۱ مهر ۱۴۰۲", "2023-09-23", "jalali", "day"),
    ("سیزدهم آبان 1358 از سوی", "fa", "سیزدهم آبان 1358", "1979-11-04", "jalali", "day"),
    ("در هشتم بهمن ماه1381 طي", "fa", "هشتم بهمن ماه1381", "2003-01-28", "jalali", "day"),
    ("بیست و دوم بهمن ۱۳۵۷", "fa", "بیست و دوم بهمن ۱۳۵۷", "1979-02-11", "jalali", "day"),
    ("في الحادي عشر من أغسطس 2015 قال", "ar", "الحادي عشر من أغسطس 2015", "2015-08-11",
     "gregorian", "day"),
    ("از آبان 1358", "fa", "آبان 1358", "1979-10-23", "jalali", "month"),
    ("در شهریور ۱۳۹۹", "fa", "شهریور ۱۳۹۹", "2020-08-22", "jalali", "month"),
    ("۱۴ خرداد ۱۳۶۸", "fa", "۱۴ خرداد ۱۳۶۸", "1989-06-04", "jalali", "day"),
    ("۲۲ بهمن ۱۳۵۷", "fa", "۲۲ بهمن ۱۳۵۷", "1979-02-11", "jalali", "day"),
    ("۱۷ آذر ۱۴۰۱", "fa", "۱۷ آذر ۱۴۰۱", "2022-12-08", "jalali", "day"),
    ("۵ ارديبهشت ۱۴۰۲", "fa", "۵ ارديبهشت ۱۴۰۲", "2023-04-25", "jalali", "day"),
    ("۱۰ دي ۱۴۰۰", "fa", "۱۰ دي ۱۴۰۰", "2021-12-31", "jalali", "day"),
    ("از 24 اسفندماه 1396 آغاز", "fa", "24 اسفندماه 1396", "2018-03-15", "jalali", "day"),
    # numeric Jalali
    ("۱۴۰۲/۰۳/۱۶", "fa", "۱۴۰۲/۰۳/۱۶", "2023-06-06", "jalali", "day"),
    ("تاریخ مخابره : ۱۳۹۶/۵/۲۴ - ۱۵:۴۲ زاویه", "fa", "۱۳۹۶/۵/۲۴ - ۱۵:۴۲", "2017-08-15 15:42",
     "jalali", "minute"),
    ("IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶", "fa", "IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶", "2023-06-06 09:30", "jalali",
     "minute"),
    ("1375/04/03", None, "1375/04/03", "1996-06-23", "jalali", "day"),
    ("مصوب ۴/ ۱۲/ ۱۳۹۲ ملزم", "fa", "۴/ ۱۲/ ۱۳۹۲", "2014-02-23", "jalali", "day"),
    ("۱۴۰۲-۱۰-۰۳", "fa", "۱۴۰۲-۱۰-۰۳", "2023-12-24", "jalali", "day"),
    ("۱۴۰۲.۱۰.۰۳", "fa", "۱۴۰۲.۱۰.۰۳", "2023-12-24", "jalali", "day"),
    # Gregorian months in Persian
    ("23 ژوئن 1996", "fa", "23 ژوئن 1996", "1996-06-23", "gregorian", "day"),
    ("۱۴ ژوئیه ۲۰۱۵", "fa", "۱۴ ژوئیه ۲۰۱۵", "2015-07-14", "gregorian", "day"),
    ("۱۴ ژوئيه ۲۰۱۵", "fa", "۱۴ ژوئيه ۲۰۱۵", "2015-07-14", "gregorian", "day"),
    ("از ژانويه 2006 تا", "fa", "ژانويه 2006", "2006-01-01", "gregorian", "month"),
    ("۵ دسامبر ۲۰۲۲", "fa", "۵ دسامبر ۲۰۲۲", "2022-12-05", "gregorian", "day"),
    ("۱۰ می ۲۰۲۰", "fa", "۱۰ می ۲۰۲۰", "2020-05-10", "gregorian", "day"),
    ("۳ اکتبر ۲۰۱۹", "fa", "۳ اکتبر ۲۰۱۹", "2019-10-03", "gregorian", "day"),
    ("۲۰ مارس ۲۰۲۴", "fa", "۲۰ مارس ۲۰۲۴", "2024-03-20", "gregorian", "day"),
    ("۱ اوت ۲۰۱۸", "fa", "۱ اوت ۲۰۱۸", "2018-08-01", "gregorian", "day"),
    # Hijri months, with and without markers, Arabic and Persian spellings
    ("بيروت 26 شوال 1436 هـ الموافق", "ar", "26 شوال 1436 هـ", "2015-08-11", "hijri", "day"),
    ("٢٤ ذو القعدة ١٤٣٨ Wednesday", None, "٢٤ ذو القعدة ١٤٣٨", "2017-08-16", "hijri", "day"),
    ("11 جمادى الآخرة 1445هـ", "ar", "11 جمادى الآخرة 1445هـ", "2023-12-24", "hijri", "day"),
    ("١١ جمادى الثانية ١٤٤٥ هـ", "ar", "١١ جمادى الثانية ١٤٤٥ هـ", "2023-12-24", "hijri", "day"),
    ("1 رمضان 1444 هـ", "ar", "1 رمضان 1444 هـ", "2023-03-23", "hijri", "day"),
    ("10 ذي الحجة 1444", "ar", "10 ذي الحجة 1444", "2023-06-28", "hijri", "day"),
    ("1 محرم 1445", "ar", "1 محرم 1445", "2023-07-19", "hijri", "day"),
    ("12 ربيع الأول 1445 هـ", "ar", "12 ربيع الأول 1445 هـ", "2023-09-27", "hijri", "day"),
    ("۱۲ ربیع‌الاول ۱۴۴۵ ق", "fa", "۱۲ ربیع‌الاول ۱۴۴۵ ق", "2023-09-27", "hijri", "day"),
    ("يوم السبت 7 / 11 / 1436هـ", "ar", "يوم السبت 7 / 11 / 1436هـ", "2015-08-22", "hijri",
     "day"),
    ("1436/10/26هـ", "ar", "1436/10/26هـ", "2015-08-11", "hijri", "day"),
    ("شهر رمضان 1444 هـ", "ar", "رمضان 1444 هـ", "2023-03-23", "hijri", "month"),
    ("26 شوال 1436 ه‍ في", "ar", "26 شوال 1436 ه", "2015-08-11", "hijri", "day"),
    ("7 ذي القعدة 1436 هجري", "ar", "7 ذي القعدة 1436 هجري", "2015-08-22", "hijri", "day"),
    ("12 ربيع الاول 1445", "ar", "12 ربيع الاول 1445", "2023-09-27", "hijri", "day"),
    ("1436/10/26", "ar", "1436/10/26", "2015-08-11", "hijri", "day"),
    ("1436/10/26", "fa", "1436/10/26", "2058-01-15", "jalali", "day"),
    # numeric Gregorian, ISO 8601
    ("11/08/2015", "ar", "11/08/2015", "2015-08-11", "gregorian", "day"),
    ("22 / 8 / 2015م", "ar", "22 / 8 / 2015م", "2015-08-22", "gregorian", "day"),
    ("2015-08-11", None, "2015-08-11", "2015-08-11", "gregorian", "day"),
    ("2014-09-23T03:48:23.977", None, "2014-09-23T03:48:23.977", "2014-09-23 03:48",
     "gregorian", "minute"),
    ("2023-12-24T10:00:00+03:00", None, "2023-12-24T10:00:00+03:00", "2023-12-24 10:00",
     "gregorian", "minute"),
    ("٢٤/١٢/٢٠٢٣", "ar", "٢٤/١٢/٢٠٢٣", "2023-12-24", "gregorian", "day"),
    ("crawled on 9/30/2014", None, "9/30/2014", "2014-09-30", "gregorian", "day"),
    ("24.12.2023", None, "24.12.2023", "2023-12-24", "gregorian", "day"),
    # bare years after a cue
    ("اعتماد سياسة البيانات المفتوحة في ٢٠٢٥.", "ar", "في ٢٠٢٥", "2025-01-01", "gregorian",
     "year"),
    ("منذ عام 1967", "ar", "منذ عام 1967", "1967-01-01", "gregorian", "year"),
    ("در سال1373 در این کشور", "fa", "در سال1373", "1994-03-21", "jalali", "year"),
    ("عام 1436 هـ", "ar", "عام 1436 هـ", "2014-10-25", "hijri", "year"),
    ("سال 2010 ميلادي", "fa", "سال 2010 ميلادي", "2010-01-01", "gregorian", "year"),
    ("منذ 2007 وهو", "ar", "منذ 2007", "2007-01-01", "gregorian", "year"),
]


def _local(row: dict) -> str:
    local = row["date"].tz_convert(row["tz"])
    return local.strftime("%Y-%m-%d %H:%M") if row["precision"] == "minute" else str(local.date())


def test_at_least_eighty_forms() -> None:
    assert len(FORMS) >= 80


@pytest.mark.parametrize(("text", "lang", "surface", "day", "calendar", "precision"), FORMS)
def test_real_world_forms(text, lang, surface, day, calendar, precision) -> None:
    rows = [r for r in dates.find_dates(text, lang=lang) if r["text"] == surface]
    assert rows, [r["text"] for r in dates.find_dates(text, lang=lang)]
    row = rows[0]
    assert text[row["start"]:row["end"]] == surface
    assert (_local(row), row["calendar"], row["precision"]) == (day, calendar, precision)


@pytest.mark.parametrize(
    ("text", "utc", "tz"),
    [
        ("IR ۰۹:۳۰ - ۱۴۰۲/۰۳/۱۶", "2023-06-06 06:00:00+00:00", "Asia/Tehran"),
        ("Mon, 2 Jan 2006 15:04:05 +0300", "2006-01-02 12:04:05+00:00", "Etc/GMT-3"),
        ("24th, December 2023 GMT", "2023-12-24 00:00:00+00:00", "UTC"),
        ("۱۴۰۲/۰۳/۱۶", "2023-06-05 20:30:00+00:00", "Asia/Tehran"),
        ("٧ أكتوبر ٢٠٢٣ بتوقيت القدس", "2023-10-06 21:00:00+00:00", "Asia/Jerusalem"),
        ("Tuesday, 11 August 2015 - 15:46 pm", "2015-08-11 15:46:00+00:00", "UTC"),
    ],
)
def test_time_zones(text: str, utc: str, tz: str) -> None:
    row = dates.find_dates(text)[0]
    assert (str(row["date"]), row["tz"]) == (utc, tz)


@pytest.mark.parametrize(
    "text",
    ["30 فبراير 2023", "29 February 2023", "1402/13/40", "۳۰ اسفند ۱۴۰۲", "31 آبان 1402",
     "2023-13-01", "31/04/2023", "32 ديسمبر 2020", "31 رمضان 1444 هـ", "25:70 - 1402/03/16",
     "0 أغسطس 2015", "00/08/2015"],
)
def test_impossible_dates_are_rejected_with_a_problem(text: str) -> None:
    assert all(r["date"].year != 2023 or r["precision"] != "day" for r in dates.find_dates(text))
    assert not [r for r in dates.find_dates(text) if r["precision"] in ("day", "minute")]
    out = dates.run(_tables([{"body": text}]))
    assert out["problems"]["reason"].tolist() == ["date-impossible"]
    assert set(out["problems"]["stage"]) == {"dates"}
    assert pd.isna(out["articles"].loc[0, "published"])


def test_hijri_thirtieth_by_sighting_is_the_day_after_the_29th() -> None:
    # Umm al-Qura counts Ramadan 1444 as 29 days; a sighted 30 Ramadan is 1 Shawwal.
    row = dates.find_dates("30 رمضان 1444 هـ")[0]
    assert str(row["date"].date()) == "2023-04-21" and "sighting" in row["rule"]
    assert row["confidence"] < 0.9


def test_non_dates_are_not_dates() -> None:
    for text in ["رقم الهاتف 0123-456-7890", "بيع 1500 سيارة", "مي گويد 1400 نفر",
                 "عين اليوم – جدة", "رقم 2015 من", "الساعة 10:30", "اليوم هو يوم"]:
        assert [r for r in dates.find_dates(text) if not pd.isna(r["date"])] == [], text


# --- double datelines -------------------------------------------------------------------

def test_double_dateline_agrees() -> None:
    text = "برلين 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس"
    out = dates.run(_tables([{"body": text}]))
    assert out["problems"].empty
    d = out["dates"]
    assert d["calendar"].tolist() == ["hijri", "gregorian"]
    assert d["role"].tolist() == ["published", "published"]
    assert str(out["articles"].loc[0, "published"].date()) == "2015-08-11"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("26 شوال 1436 هـ الموافق 15 اغسطس 2015 م", True),
        ("27 شوال 1436 هـ الموافق 11 اغسطس 2015 م", False),  # sighting: one day apart is fine
        ("يكشنبه 3 تير 1375، 24 ژوئن 1996", True),  # Jalali and Gregorian must agree exactly
        ("يكشنبه 3 تير 1375، 23 ژوئن 1996", False),
    ],
)
def test_double_dateline_mismatch(text: str, problem: bool) -> None:
    out = dates.run(_tables([{"body": text}]))
    reasons = out["problems"]["reason"].tolist()
    assert reasons == (["calendar-mismatch"] if problem else [])


# --- parse_stated ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "utc", "calendar", "precision"),
    [
        ("Tue, 11 Aug 2015 13:45:09 GMT", "2015-08-11 13:45:09+00:00", "gregorian", "minute"),
        ("Tue, 11 Aug 2015 13:45:09 +0300", "2015-08-11 10:45:09+00:00", "gregorian", "minute"),
        ("2014-09-23T03:48:23.977", "2014-09-23 03:48:23.977000+00:00", "gregorian", "minute"),
        ("2015-08-11 13:45:09", "2015-08-11 13:45:09+00:00", "gregorian", "minute"),
        ("2023-12-24T10:00:00Z", "2023-12-24 10:00:00+00:00", "gregorian", "minute"),
        ("1996-06-23", "1996-06-23 00:00:00+00:00", "gregorian", "day"),
        ("1375/04/03", "1996-06-22 19:30:00+00:00", "jalali", "day"),
        ("1396/5/24 - 15:42", "2017-08-15 11:12:00+00:00", "jalali", "minute"),
        ("۱۴۰۲/۰۳/۱۶", "2023-06-05 20:30:00+00:00", "jalali", "day"),
        ("Tuesday, 11 August 2015 - 15:46 pm", "2015-08-11 15:46:00+00:00", "gregorian", "minute"),
    ],
)
def test_parse_stated(value: str, utc: str, calendar: str, precision: str) -> None:
    p = dates.parse_stated(value)
    assert (str(p["date"]), p["calendar"], p["precision"]) == (utc, calendar, precision)


@pytest.mark.parametrize("value", ["", "   ", "138/5//09", "0:9::18", "not a date", "2023-02-30"])
def test_parse_stated_unreadable(value: str) -> None:
    assert dates.parse_stated(value) is None


# --- the run stage -----------------------------------------------------------------------

def _tables(articles: list[dict], comments: list[dict] | None = None) -> dict:
    arts = [
        {"doc_id": f"d{i}", "file": "x.txt", "part": i, "lang": "ar", **a}
        for i, a in enumerate(articles)
    ]
    return {
        "articles": tables.frame("articles", arts),
        "comments": tables.frame("comments", comments or []),
        "problems": tables.empty("problems"),
    }


def _seed_tables() -> dict:
    """The seeds as the loader splits them: title, body, and the Persian comment."""
    arabic = (REPO / "corpus" / "000_84203d1367af4166.txt").read_text(encoding="utf-8")
    first, second = arabic.split("إقرأ أيضاً:")
    t1, b1 = first.strip().split("\n", 1)
    t2, b2 = second.strip().split("\n", 1)
    persian = (REPO / "corpus" / "001_3c3f7fb5dec860d1.txt").read_text(encoding="utf-8")
    t3, rest = persian.strip().split("\n", 1)
    b3 = rest.split("نظر شما")[0].strip()
    comment = next(line.strip(" \u2022") for line in persian.splitlines() if "IR " in line)
    arts = [
        {"doc_id": "ar1", "lang": "ar", "title": t1, "body": b1},
        {"doc_id": "ar2", "lang": "ar", "title": t2, "body": b2},
        {"doc_id": "fa1", "lang": "fa", "title": t3, "body": b3},
    ]
    comments = [{"comment_id": "fa1-c0", "doc_id": "fa1", "n": 0, "text": "...",
                 "date_raw": comment}]
    out = _tables(arts, comments)
    return out


def test_seeds_done_when() -> None:
    out = dates.run(_seed_tables())
    arts = out["articles"].set_index("doc_id")
    assert str(arts.loc["ar1", "published"].date()) == "2023-12-24"
    assert arts.loc["ar1", "published_rule"].startswith("byline:")
    assert pd.isna(arts.loc["ar2", "published"]) and pd.isna(arts.loc["fa1", "published"])
    d = out["dates"]
    years = d[(d["doc_id"] == "ar2") & (d["precision"] == "year")]
    assert years["date"].dt.year.tolist() == [2025]
    relative = d[(d["doc_id"] == "ar2") & d["rule"].str.startswith("relative")]
    assert relative["text"].tolist() == ["اليوم السبت"] and relative["date"].isna().all()
    comment = d[d["doc_id"] == "fa1"]
    assert comment["role"].tolist() == ["comment"]
    assert comment["comment_id"].tolist() == ["fa1-c0"]
    local = comment["date"].iloc[0].tz_convert("Asia/Tehran")
    assert (str(local.date()), local.strftime("%H:%M")) == ("2023-06-06", "09:30")
    assert comment["calendar"].iloc[0] == "jalali"


def test_every_offset_points_at_its_text() -> None:
    frames = _seed_tables()
    out = dates.run(frames)
    arts = out["articles"].set_index("doc_id")
    comments = out["comments"].set_index("comment_id")
    assert len(out["dates"]) >= 4
    for row in out["dates"].itertuples():
        source = (comments.loc[row.comment_id, "date_raw"] if row.field == "comment_date"
                  else arts.loc[row.doc_id, row.field])
        assert source[row.start:row.end] == row.text


def test_stated_dates_come_first_and_crawl_times_never_publish() -> None:
    out = dates.run(_tables([
        {"lang": "fa", "date_stated": "1375/04/03", "date_field": "DATE",
         "body": "يكشنبه 3 تير 1375، 23 ژوئن 1996"},
        {"date_stated": "2015-08-11 13:45:09", "date_field": "date_extracted",
         "body": "مقال بلا تاريخ"},
        {"date_stated": "2015-08-11 13:45:09", "date_field": "date_extracted",
         "author": "لندن - الرياضية | Tuesday, 11 August 2015 - 15:46 pm"},
        {"date_stated": "138/5//09", "date_field": "date"},
    ]))
    arts = out["articles"]
    rules = arts["published_rule"].fillna("-").tolist()
    assert rules == ["stated:DATE", "-", "author:named:gregorian", "-"]
    assert str(arts.loc[0, "published"].tz_convert("Asia/Tehran").date()) == "1996-06-23"
    assert pd.isna(arts.loc[1, "published"])
    assert str(arts.loc[2, "published"]) == "2015-08-11 15:46:00+00:00"
    roles = out["dates"].groupby("doc_id")["role"].agg(list)
    assert roles["d1"] == ["crawled"]
    assert out["problems"]["reason"].tolist() == ["date-unreadable"]


def test_hamshahri_persian_date_matches_its_western_date(eval_dir: Path) -> None:
    xml = (eval_dir / "fa/hazm_test/hamshahri/1996/ham2_960623.xml").read_text(encoding="utf-8")
    issue = xml.split("<ISSUE>")[1].split("</ISSUE>")[0]
    out = dates.run(_tables([{"lang": "fa", "date_stated": "1375/04/03",
                              "date_field": "DATE", "dateline": issue}]))
    d = out["dates"]
    days = {str(r.date.tz_convert(r.tz).date()) for r in d.itertuples()}
    assert days == {"1996-06-23"}
    assert set(d["calendar"]) == {"jalali", "gregorian"}
    assert out["problems"].empty


def test_relative_days_resolve_against_the_publication_date() -> None:
    out = dates.run(_tables([
        {"body": "الرياض 11 أغسطس 2015 واس\nقال الوزير أمس (الاثنين) واليوم الثلاثاء إن"},
        {"lang": "fa", "body": "تهران ۲۴ مرداد ۱۳۹۶ - ۱۹:۴۰\nدیروز گفت و امروز"},
    ]))
    d = out["dates"]
    rel = d[d["rule"].str.startswith("relative")]
    local = [str(r.date.tz_convert(r.tz).date()) for r in rel.itertuples()]
    assert rel["text"].tolist() == ["أمس (الاثنين)", "اليوم الثلاثاء", "دیروز", "امروز"]
    assert local == ["2015-08-10", "2015-08-11", "2017-08-14", "2017-08-15"]


def test_bad_input_never_raises() -> None:
    frames = _tables([{"body": None, "title": "\x00\u200f", "date_stated": "9999-99-99"},
                      {"body": "ﷲ ﻻ 2015 في ٢٠٢٥ ﷲ"}])
    out = dates.run(frames)
    assert len(out["articles"]) == 2
    assert frames["articles"]["published"].isna().all()  # the input was not mutated


def test_eval_samples_offsets_and_bylines(eval_dir: Path) -> None:
    records = json.loads(
        (eval_dir / "ar/saudinewsnet_2015-08-11_sample61.json").read_text(encoding="utf-8")
    )
    out = dates.run(_tables([
        {"title": r["title"], "body": r["content"], "author": r["author"]} for r in records
    ]))
    arts = out["articles"]
    published = arts["published"].dropna()
    # every SaudiNewsNet publication date found is 2015 (the sample's crawl day or earlier)
    assert len(published) >= 10
    assert (published.dt.year == 2015).all()
    assert (published <= pd.Timestamp("2015-08-12", tz="UTC")).all()
    for row in out["dates"].itertuples():
        assert arts.loc[int(row.doc_id[1:]), row.field][row.start:row.end] == row.text


# --- property tests ----------------------------------------------------------------------

_DIGITS = {"latin": "0123456789", "arabic": "٠١٢٣٤٥٦٧٨٩", "persian": "۰۱۲۳۴۵۶۷۸۹"}


def _names(calendar: str, month: int) -> list[str]:
    return dates.data()["months"][calendar][str(month)]


@st.composite
def written_days(draw):
    day = draw(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
    calendar = draw(st.sampled_from(["gregorian", "jalali", "hijri"]))
    digits = _DIGITS[draw(st.sampled_from(sorted(_DIGITS)))]
    if calendar == "gregorian":
        y, m, d = day.year, day.month, day.day
    elif calendar == "jalali":
        j = jdatetime.date.fromgregorian(date=day)
        y, m, d = j.year, j.month, j.day
    else:
        if not dt.date(1924, 8, 1) <= day <= dt.date(2077, 11, 16):
            day = dt.date(2000 + day.year % 70, day.month, min(day.day, 28))
        h = hijridate.Gregorian(day.year, day.month, day.day).to_hijri()
        y, m, d = h.year, h.month, h.day
    forms = [f"{d} {name} {y}" for name in _names(calendar, m)]
    if calendar == "gregorian":
        forms += [f"{d:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{d:02d}"]
        forms += [f"{name.title()} {d}, {y}" for name in _names(calendar, m) if name.isascii()]
    elif calendar == "jalali":
        forms += [f"{y}/{m:02d}/{d:02d}", f"{y}/{m}/{d}"]
    else:
        forms += [f"{d} {name} {y} هـ" for name in _names(calendar, m)]
    text = draw(st.sampled_from(forms)).translate(str.maketrans("0123456789", digits))
    return text, calendar, day


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written_days(), st.sampled_from(["", "قال في ", "گفت ", "x "]))
def test_any_day_reads_back(case, prefix: str) -> None:
    text, calendar, day = case
    rows = dates.find_dates(prefix + text + " .")
    assert len(rows) == 1, (text, rows)
    row = rows[0]
    assert row["calendar"] == calendar
    assert row["date"].tz_convert(row["tz"]).date() == day
    assert (prefix + text + " .")[row["start"]:row["end"]] == row["text"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    list("0123456789٠١٢٣۴۵/-: ,.ـًيیكکه\u200cabc")
    + ["2015", "1402", "أغسطس", "مرداد", "شوال", "هـ", "اليوم", "امروز", "السبت", "\n"]
)).map("".join) | st.text())
def test_offsets_hold_on_any_text(text: str) -> None:
    for row in dates.find_dates(text):
        assert text[row["start"]:row["end"]] == row["text"]
        assert row["precision"] in ("day", "minute", "month", "year")


# --- the prefiltered scan equals the plain scan -------------------------------------------
# dates._candidates tries its rules only where the words of data/dates.json or digits stand;
# the reference below scans the whole key with every pattern and tries every token, as the
# rules are written. Texts are built from the data file's own words, so the check follows
# the words a user adds.

def _data_words() -> dict[str, list[str]]:
    """The words of data/dates.json by kind, and digits and other marks to go between."""
    raw = dates.data()
    kinds = {
        "month": [w for table in raw["months"].values() for names in table.values()
                  for w in names],
        "weekday": [w for names in raw["weekdays"].values() for w in names]
        + raw["weekday_prefixes"],
        "day word": [w for names in raw["day_words"].values() for w in names]
        + raw["day_word_links"] + raw["ordinal_suffixes"],
        "cue": raw["year_cues"] + raw["year_prefixes"] + raw["month_suffixes"]
        + raw["connectors"] + raw["published_cues"] + raw["updated_cues"] + raw["clitics"],
        "marker": [w for names in raw["markers"].values() for w in names] + raw["time_links"]
        + raw["am_pm"]["am"] + raw["am_pm"]["pm"] + list(raw["time_zones"]),
        "relative": list(raw["relative"]),
        "number": ["2015", "1402", "1436", "۱۳۹۶", "٢٠٢٣", "12", "3", "011", "20150", "12:30",
                   "+03:30", "gmt+3", "1300", "29", "۲۱"],
        "other": ["و", "ف", "ب", "x", "_", "²", "३", "\u200c", "ـ", "(", ")", "\n", "قال"],
    }
    return {kind: sorted(set(words)) for kind, words in kinds.items()}


_KINDS = _data_words()
_WORD = st.sampled_from(sorted(_KINDS)).flatmap(lambda kind: st.sampled_from(_KINDS[kind]))
_GAP = st.sampled_from([" ", " ", " ", " ", "", ", ", "/", "-", ":", ".", "، "])
# Words of every kind in any order, so dates and near-dates of every shape turn up.
_WORDY_TEXT = st.lists(st.tuples(_WORD, _GAP).map("".join), max_size=24).map("".join)


def _reference_candidates(key: str, lang: str | None) -> list:
    """dates._candidates without prefilters: every pattern over the whole key."""
    pats = dates._patterns()
    found: list = []
    n = len(key)
    families = (
        (pats.named, dates._read_named),
        (pats.month_first, lambda m: dates._read_named(m, month_first=True)),
        (pats.numeric, lambda m: dates._read_numeric(m, lang)),
    )

    def first_match(which: int, lo: int, year: int) -> None:
        pat, read = families[which]
        hi = min(n, year + 4 + dates._WINDOW_AFTER)
        for t in dates._TOKEN.finditer(key, lo, year + 1):
            m = pat.match(key, t.start(), hi)
            if m is not None and m.end() > year:
                if m.end() == hi < n:
                    m = pat.match(key, t.start()) or m
                if (item := read(m)) is not None:
                    found.append(item)
                return

    lo_y, hi_y = dates._year_bounds()
    for y in re.finditer(r"[0-9]{4,}", key):
        p = y.start()
        if y.end() - p != 4 or not lo_y <= int(y.group()) <= hi_y:
            continue
        months = list(pats.month.finditer(key, max(0, p - dates._MONTH_BEFORE_YEAR), p))
        if months:
            lo = max(0, months[0].start() - dates._WINDOW_BEFORE)
            first_match(0, lo, p)
            if any(h.group().isascii() for h in months):
                first_match(1, lo, p)
        if dates._SEPARATOR.search(key, max(0, p - 3), min(n, p + 7)):
            first_match(2, max(0, p - dates._WINDOW_BEFORE), p)
        found.extend(item for m in pats.bare_year.finditer(key, max(0, p - 24), min(n, p + 30))
                     if m.start("y") == p and (item := dates._read_bare_year(m, lang)) is not None)
    covered = [(f.kstart, f.kend) for f in found]
    for h in pats.day_month.finditer(key):
        if (h.start() and key[h.start() - 1].isdigit()) or any(
                a <= h.start() < b for a, b in covered):
            continue
        for t in dates._TOKEN.finditer(key, max(0, h.start() - dates._WINDOW_BEFORE),
                                       h.start() + 1):
            m = pats.yearless.match(key, t.start(), min(n, h.end() + dates._WINDOW_AFTER))
            if m is not None and m.end() >= h.end():
                if (item := dates._read_yearless(m)) is not None:
                    found.append(item)
                break
    found.extend(item for m in pats.relative.finditer(key)
                 if (item := dates._read_relative(key, m)) is not None)
    return dates._leftmost_longest(found)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_WORDY_TEXT, st.sampled_from([None, "ar", "fa"]))
def test_prefiltered_scan_equals_the_plain_scan(text: str, lang: str | None) -> None:
    key = textnorm.normalize(text)
    assert dates._candidates(key, lang) == _reference_candidates(key, lang)


@settings(max_examples=500, deadline=None)
@given(_WORDY_TEXT)
def test_scans_by_position_equal_finditer(text: str) -> None:
    key = textnorm.normalize(text)
    pats = dates._patterns()
    runs, words = dates._marks(key)
    assert runs == [m.span() for m in re.finditer("[0-9]+", key)]
    short = {s for s, e in runs if e - s <= 2}
    expected = [m.span() for m in pats.day_month.finditer(key) if m.start() in short]
    assert [m.span() for m in dates._day_month_matches(key, runs)] == expected
    # The general path, for month names or suffixes that hold digits.
    general = dataclasses.replace(pats, day_month_digits_first=False)
    with mock.patch.object(dates, "_patterns", lambda: general):
        assert [m.span() for m in dates._day_month_matches(key, runs)] == expected
    assert [m.span() for m in dates._relative_matches(key, words)] == [
        m.span() for m in pats.relative.finditer(key)]


def test_marks_with_a_relative_word_that_is_a_digit() -> None:
    # The automaton tells digits from words by one number (dates._mark_automaton); a word
    # that is a digit too must count as both.
    lex = dataclasses.replace(dates._lexicon(), relative={"1": (0, False), "امس": (-1, False)})
    dates._mark_automaton.cache_clear()
    try:
        with mock.patch.object(dates, "_lexicon", lambda: lex):
            assert dates._marks("12 امس 1") == ([(0, 2), (7, 8)], [0, 3, 7])
    finally:
        dates._mark_automaton.cache_clear()


@settings(max_examples=500, deadline=None)
@given(_WORDY_TEXT, st.integers(0, 60), st.integers(0, 60))
def test_token_starts_keep_every_token_where_a_pattern_matches(
        text: str, lo: int, width: int) -> None:
    key = textnorm.normalize(text)
    lo = min(lo, len(key))
    last = min(len(key) - 1, lo + width)
    pats = dates._patterns()
    tokens = [t.start() for t in dates._TOKEN.finditer(key, lo, last + 1)]
    for name, openers in pats.openers.items():
        pattern = getattr(pats, name)
        kept = list(dates._token_starts(key, openers, lo, last))
        assert set(kept) <= set(tokens) and kept == sorted(kept)
        assert [t for t in tokens if pattern.match(key, t)] == [
            t for t in kept if pattern.match(key, t)]


# Characters the key deletes, folds, expands (ligatures, ß, İ) or collapses, beside words.
_KEY_TRICKS = st.lists(st.sampled_from(
    [" ", "  ", "\n", "\u00a0", "\t", "\u200c", "\u200f", "ـ", "\u064e", "\u0651", "ﻻ", "ﷺ",
     "ß", "İ", "A", "x", "أ", "ی", "ك", "ة", "۱۴۰۲", "٢٠", "2015", "-", "،", ",", ":", "/",
     "\U0001f600", "الموافق", "گفت", "قال", "في"]
), max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(_KEY_TRICKS, st.integers(0, 200), st.integers(0, 200))
def test_key_between_is_the_key_of_the_slice(text: str, a: int, b: int) -> None:
    # _key_between cuts line prefixes and gaps from the whole text's key: that must be the
    # key of the slice itself, in a batch's shared scope or not.
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    expected = textnorm.normalize(text[start:end]).strip(dates._GAP_STRIP)
    assert dates._key_between(text, start, end) == expected
    with textnorm.shared_keys():
        assert dates._key_between(text, start, end) == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(1200, 1600), st.integers(0, 13), st.integers(0, 32))
def test_jalali_days_do_not_depend_on_the_locale(year: int, month: int, day: int) -> None:
    # to_gregorian names jdatetime's locale to spare it two system look-ups per date: the
    # same day, or the same error (its text goes into the problems table), as without.
    try:
        expected = jdatetime.date(year, month, day).togregorian()
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            dates.to_gregorian("jalali", year, month, day)
    else:
        assert dates.to_gregorian("jalali", year, month, day) == (expected, False)
        near = expected + dt.timedelta(days=40)
        assert jdatetime.date.fromgregorian(date=near).year == jdatetime.date.fromgregorian(
            date=near, locale=dates._JALALI_LOCALE).year


# --- charts ------------------------------------------------------------------------------

def _chart_articles() -> pd.DataFrame:
    out = dates.run(_seed_tables())["articles"]
    extra = tables.frame("articles", [
        {"doc_id": "x1", "lang": "fa", "outlet": "خبرگزاری فارس",
         "published": "2023-12-20 10:00", "published_rule": "stated:pubDate"},
        {"doc_id": "x2", "lang": "ar", "outlet": "صدى البلد",
         "published": "2023-11-02 00:00", "published_rule": "dateline:named:gregorian"},
    ])
    return pd.concat([out, extra], ignore_index=True)


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@pytest.mark.parametrize("by", [None, "lang", "outlet"])
def test_articles_over_time_counts_undated_beside_the_axis(freq, by) -> None:
    from helpers.charts import timeline
    from helpers.rtl import rtl_label

    arts = _chart_articles()
    fig = timeline.articles_over_time(arts, freq=freq, by=by)
    note = timeline.undated_note(fig)
    assert note.startswith("undated: 2")
    heights = sum(p.get_height() for p in fig.axes[0].patches)
    assert heights == 3  # the three dated articles, none dropped, none doubled
    if by == "outlet":
        texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert rtl_label("خبرگزاری فارس") in texts


def test_articles_over_time_in_tehran_time() -> None:
    from helpers.charts import timeline

    arts = dates.run(_tables([{"lang": "fa", "date_stated": "1402/03/16"}]))["articles"]
    ax = timeline.articles_over_time(arts, tz="Asia/Tehran").axes[0]
    assert len(ax.patches) == 1
    import matplotlib.dates as mdates
    assert str(mdates.num2date(ax.patches[0].get_x() + 0.4).date()) == "2023-06-06"


def test_articles_over_time_without_dates_or_articles() -> None:
    from helpers.charts import timeline

    assert timeline.undated_note(
        timeline.articles_over_time(tables.frame("articles", [{}, {}]))) == "undated: 2"
    assert timeline.undated_note(
        timeline.articles_over_time(tables.empty("articles"))) == "undated: 0"
    with pytest.raises(ValueError):
        timeline.articles_over_time(tables.empty("articles"), freq="Y")


def test_published_coverage() -> None:
    from helpers.charts import timeline

    cov = timeline.published_coverage(_chart_articles())
    assert cov.set_index("evidence")["articles"].to_dict() == {
        "stated": 1, "dateline": 1, "byline": 1, "undated": 2}
    assert cov["share"].sum() == pytest.approx(1.0)
    by_lang = timeline.published_coverage(_chart_articles(), by="lang")
    fa = by_lang[by_lang["lang"] == "fa"].set_index("evidence")["share"].to_dict()
    assert fa == {"stated": 0.5, "undated": 0.5}


@pytest.mark.parametrize(
    ("body", "role"),
    [
        ("الرياض 11 أغسطس 2015 واس\nقال الوزير", "published"),
        ("تاريخ النشر: 24th, December 2023 GMT\nفي تطور مهم", "published"),
        ("آخر تحديث: 12 أغسطس 2015 - 10:00\nقال", "updated"),
        ("قال الوزير في 11 أغسطس 2015 إن الاتفاق", "mentioned"),
        ("ایرانی‌ها چقدر از اینترنت استفاده می‌کنند؟ شناسه خبر: 96106 ۲۴ مرداد ۱۳۹۶ - ۱۹:۴۰ بررسی",
         "published"),
        ("x " * 200 + "الرياض 11 أغسطس 2015 واس", "mentioned"),  # not at the top
    ],
)
def test_byline_at_the_top_of_the_body(body: str, role: str) -> None:
    out = dates.run(_tables([{"body": body}]))
    assert out["dates"]["role"].tolist() == [role]
    assert out["articles"]["published"].notna().tolist() == [role == "published"]


def test_relative_day_with_the_wrong_weekday_is_flagged() -> None:
    out = dates.run(_tables([{"body": "الرياض 11 أغسطس 2015 واس\nقال اليوم الجمعة إن"}]))
    rel = out["dates"][out["dates"]["rule"].str.startswith("relative")].iloc[0]
    assert "weekday-mismatch" in rel["rule"] and rel["confidence"] < 0.7


def test_hijri_outside_umm_al_qura_is_a_problem_not_a_guess() -> None:
    out = dates.run(_tables([{"body": "ولد في 1 محرم 1300 هـ"}]))
    assert out["problems"]["reason"].tolist() == ["date-out-of-range"]
    assert out["dates"].empty


def test_run_keeps_the_index_and_the_schema() -> None:
    arts = tables.frame("articles", [{"doc_id": "a", "body": "الرياض 11 أغسطس 2015 - 10:30"},
                                     {"doc_id": "b", "body": "في 2025"}])
    arts.index = [5, 9]
    out = dates.run({"articles": arts})
    assert out["articles"].index.tolist() == [5, 9]
    assert str(out["articles"].loc[5, "published"]) == "2015-08-11 10:30:00+00:00"
    assert out["articles"].dtypes.to_dict() == tables.empty("articles").dtypes.to_dict()
    assert out["dates"].dtypes.to_dict() == tables.empty("dates").dtypes.to_dict()
    empty = dates.run({"articles": tables.empty("articles")})
    assert empty["articles"].dtypes.to_dict() == tables.empty("articles").dtypes.to_dict()
    assert empty["dates"].empty and empty["problems"].empty


def test_run_leaves_its_input_as_it_was() -> None:
    arts = tables.frame("articles", [{"doc_id": "a", "body": "الرياض 11 أغسطس 2015 - 10:30"}])
    before = arts.copy()
    out = dates.run({"articles": arts})
    assert out["articles"].loc[0, "published_rule"] == "byline:named:gregorian"
    assert arts.equals(before)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({
    "lang": st.sampled_from([None, "ar", "fa"]),
    "title": _WORDY_TEXT, "body": _WORDY_TEXT, "dateline": _WORDY_TEXT | st.none(),
    "author": _WORDY_TEXT | st.none(), "keywords": _WORDY_TEXT | st.none(),
    "date_stated": st.sampled_from([None, "", "2015-08-11", "1375/04/03"]),
}), min_size=1, max_size=4))
def test_articles_read_in_a_batch_equal_articles_read_alone(records: list[dict]) -> None:
    # run() reads every text of a batch beforehand and skips the texts found to hold no date
    # (dates._article_dates); reading each article on its own must give the same.
    read = dates._read_all(dates._texts(records))
    for rec in records:
        assert dates._article_dates(rec, read) == dates._article_dates(rec)


@pytest.mark.parametrize(
    ("article", "surface", "day", "weekday_ok"),
    [
        ({"body": "الرياض 11 أغسطس 2015 واس\nوكان قد زار في 5 أغسطس المدينة"}, "5 أغسطس",
         "2015-08-05", True),
        ({"lang": "fa", "date_stated": "1397/08/21", "date_field": "date",
          "body": "تا لحظه تنظیم این خبر (۱۶:۲۰ دقیقه دوشنبه ۲۱ آبان به وقت تهران)"},
         "دوشنبه ۲۱ آبان", "2018-11-12", True),
        ({"lang": "fa", "date_stated": "1397/08/21", "date_field": "date",
          "body": "جمعه ۲۱ آبان"}, "جمعه ۲۱ آبان", "2018-11-12", False),
        ({"date_stated": "2024-01-02", "date_field": "pubDate", "body": "منذ 30 ديسمبر الماضي"},
         "30 ديسمبر", "2023-12-30", True),
        ({"body": "مصاحبه‌ها از امروز (سه شنبه 19 خرداد) آغاز شد"}, "سه شنبه 19 خرداد", None,
         True),
    ],
)
def test_day_and_month_without_a_year(article, surface, day, weekday_ok) -> None:
    out = dates.run(_tables([article]))
    d = out["dates"]
    row = d[d["text"] == surface].iloc[0]
    assert row["rule"].startswith("named-no-year")
    if day is None:
        assert pd.isna(row["date"])
    else:
        assert str(row["date"].tz_convert(row["tz"]).date()) == day
        assert ("weekday-mismatch" not in row["rule"]) == weekday_ok


def test_month_words_that_need_a_year() -> None:
    assert dates.find_dates("3 تیر شلیک شد و 2 مهر زد") == []
    assert [r["text"] for r in dates.find_dates("از 15 فروردین ماه 97")] == []  # 2-digit year


def test_impossible_day_without_a_year_is_a_problem_once_resolved() -> None:
    out = dates.run(_tables([{"lang": "fa", "date_stated": "1397/08/21", "date_field": "date",
                              "body": "در ۳۱ آبان"}]))
    assert out["problems"]["reason"].tolist() == ["date-impossible"]
    assert out["dates"]["rule"].tolist() == ["stated:date"]
