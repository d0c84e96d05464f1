"""Chart words come from ``helpers/data/chart_words.json`` in the label language asked for."""

from __future__ import annotations

import json

import pytest

from helpers import tables
from helpers.charts import common, timeline
from helpers.charts import entities as entity_charts
from helpers.charts import sources as source_charts
from helpers.rtl import rtl_label


def test_every_label_language_has_every_english_word() -> None:
    data = json.loads(common.WORDS_FILE.read_text(encoding="utf-8"))
    charts = {k: v for k, v in data.items() if not k.startswith("_")}
    assert set(charts) == {"sources", "entity_types", "entities", "timeline"}
    for chart, by_lang in charts.items():
        english = set(by_lang["en"])
        for lang, words in by_lang.items():
            assert set(words) == english, (chart, lang)
            assert all(isinstance(w, str) and w.strip() for w in words.values()), (chart, lang)


def test_a_word_missing_in_a_language_falls_back_to_english(monkeypatch) -> None:
    data = json.loads(common.WORDS_FILE.read_text(encoding="utf-8"))
    del data["timeline"]["fa"]["week"]
    monkeypatch.setattr(common, "_chart_words", lambda: data)
    assert common.words("timeline", "fa")["week"] == "week"
    assert common.words("timeline", "fa")["month"] == "ماه"


@pytest.mark.parametrize(("lang", "title", "axis", "note"), [
    ("en", "articles over time (UTC)", "articles per month", "undated: 1"),
    ("ar", "المقالات عبر الزمن (UTC)", "عدد المقالات في كل شهر", "بلا تاريخ: 1"),
    ("fa", "مقاله‌ها در گذر زمان (UTC)", "تعداد مقاله‌ها در هر ماه", "بی‌تاریخ: 1"),
])
def test_timeline_words_in_the_label_language(lang, title, axis, note) -> None:
    arts = tables.frame("articles", [{"published": "2015-08-11"}, {"published": "2015-09-01"},
                                     {}])
    ax = timeline.articles_over_time(arts, freq="M", lang=lang).axes[0]
    assert ax.get_title() == rtl_label(title)
    assert ax.get_ylabel() == rtl_label(axis)
    assert timeline.undated_note(ax.figure) == rtl_label(note)


def test_timeline_groups_beyond_the_top_are_other_in_the_label_language() -> None:
    rows = [{"published": "2015-08-11", "outlet": f"o{i}"} for i in range(12)]
    fig = timeline.articles_over_time(tables.frame("articles", rows), by="outlet", lang="ar")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert rtl_label("أخرى") in labels and "other" not in labels


def test_source_and_entity_chart_words_are_read_from_the_data_file() -> None:
    assert source_charts.WORDS["fa"]["per_outlet"] == common.words("sources", "fa")["per_outlet"]
    assert entity_charts.TYPE_TITLES["ar"]["person"] == "أشخاص"
    assert entity_charts.WORDS["en"]["no data"] == "no data"
