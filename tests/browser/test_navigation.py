"""The main navigation fits one line at 1,366 px wide for every role, measured in
Chromium: the brand, each link of the navigation and the signed-in person share
one line of the top bar."""

import pytest
from playwright.sync_api import expect

from crm.roles import Role
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

# Long names, as some people have: the signed-in person shares the bar.
PEOPLE = {
    "rep": {"first_name": "Maximiliane", "last_name": "Oberhausen-Lindqvist", "role": Role.REP},
    "manager": {"first_name": "Bartholomew", "last_name": "Vandenbroucke", "role": Role.MANAGER},
    "mailroom": {"first_name": "Constantina", "last_name": "Papadopoulou", "role": Role.MAILROOM},
    "staff manager": {
        "first_name": "Wilhelmina",
        "last_name": "Featherstonehaugh",
        "role": Role.MANAGER,
        "is_staff": True,
    },
}
# Each box in the top bar, in CSS pixels.
BOXES = """() => Array.from(
  document.querySelectorAll('.topbar .brand, .topbar nav a, .topbar .whoami > *'),
  (element) => { const box = element.getBoundingClientRect();
                 return {text: element.textContent.trim(), top: box.top, bottom: box.bottom,
                         left: box.left, right: box.right}; })"""


def on_one_line(boxes: list[dict]) -> bool:
    """Boxes share a line when their middles are level (the bar centres them)."""
    middles = [(box["top"] + box["bottom"]) / 2 for box in boxes]
    return max(middles) - min(middles) < 2


@pytest.mark.parametrize("role", PEOPLE)
def test_the_navigation_fits_one_line_at_1366_px(page, role):
    UserFactory(username=role.replace(" ", "-"), **PEOPLE[role])
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, role.replace(" ", "-"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()

    boxes = page.evaluate(BOXES)
    links = nav.get_by_role("link")
    link_height = min(links.nth(n).bounding_box()["height"] for n in range(links.count()))

    assert on_one_line(boxes), boxes
    assert nav.bounding_box()["height"] <= link_height + 2  # no link wraps its words
    assert max(box["right"] for box in boxes) <= 1366, "nothing is pushed out of the window"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
