"""The inline SVG charts: accessible, escaped, and sane at the edges."""

import datetime as dt
import re

from reports.charts import MAX_WEEK_LABELS, Bar, bar_chart, column_chart


def test_a_bar_chart_is_an_image_with_a_title_a_description_and_a_number_per_bar():
    svg = bar_chart("c", "Funnel", "Leads, then customers.", [("All", [Bar("Leads", 1234)])])

    assert svg.startswith('<svg class="chart" id="c" viewBox="0 0 ')
    assert 'role="img" aria-labelledby="c-title c-desc"' in svg
    assert (
        '<title id="c-title">Funnel</title><desc id="c-desc">Leads, then customers.</desc>' in svg
    )
    assert "<title>Leads: 1,234</title>" in svg  # the hover text
    assert ">1,234</text>" in svg


def test_chart_text_is_escaped():
    groups = [('<script>"x"</script>', [Bar("<i>", 1, "5%")]), ("Other", [Bar("y", 2)])]

    svg = bar_chart("c", "<b>", "&", groups)

    assert "<script>" not in svg and "<i>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;&quot;x&quot;&lt;/script&gt;" in svg


def test_bars_are_in_proportion_and_zeros_draw_nothing():
    svg = bar_chart("c", "t", "d", [("", [Bar("a", 10), Bar("b", 5), Bar("c", 0)])])

    widths = [float(width) for width in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1] > 0
    assert widths[2] == 0


def test_each_group_can_have_its_own_scale():
    groups = [("Calls", [Bar("a", 1000)]), ("Letters", [Bar("b", 10)])]

    shared = re.findall(r'width="([\d.]+)" height', bar_chart("c", "t", "d", groups))
    own = re.findall(
        r'width="([\d.]+)" height', bar_chart("c", "t", "d", groups, scale_per_group=True)
    )

    assert float(shared[1]) < float(shared[0]) / 50
    assert own[0] == own[1]


def test_an_empty_chart_draws_without_dividing_by_zero():
    assert "<svg" in bar_chart("c", "t", "d", [])
    assert "<svg" in column_chart("w", "t", "d", [], ("calls",))


def test_a_long_period_labels_only_some_weeks():
    weeks = [(dt.date(2025, 1, 6) + dt.timedelta(weeks=n), (2 * n, n)) for n in range(105)]

    svg = column_chart("w", "Calls per week", "d", weeks, ("calls", "connected"))

    assert svg.count("<rect") == 2 + 2 * 105  # the legend, then two bars a week
    assert "<title>Week of 13 Jan 2025: 2 calls, 1 connected</title>" in svg
    labels = re.findall(r'text-anchor="middle"[^>]*>([^<]+)</text>', svg)
    assert labels[0] == "6 Jan" and len(labels) <= MAX_WEEK_LABELS
