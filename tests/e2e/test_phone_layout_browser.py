"""A 390x844 phone in a real browser (Debian's Chromium), English and Hindi, over the demo shop plus a
customer with a long name and lakh-sized amounts: every sidebar page and the customer page are no
wider than the phone; the statement's, the sales' and the repayments' essentials (the Amount,
Owed and Balance cells) sit inside the screen without swiping; a Plotly chart's title is never
under a tool bar, on the phone and on a laptop. Screenshots go to tests/e2e/screenshots/
(git-ignored): phone-layout-<language>-<page>.png."""
from __future__ import annotations

from datetime import timedelta

import pytest

from khata import customers, demo, loans, repayments
from khata.dates import shop_today
from tests.catalogs import compiled, hindi
from tests.roots import OWNER, root_at

from .conftest import SCREENSHOTS
from .test_browser import VIEWPORTS, idle, open_sidebar, shot
from .test_hindi_browser import _switch_to_hindi

pytestmark = pytest.mark.browser
PHONE = VIEWPORTS["phone"]
LONG_NAME = "Lakshmi Narayanan Subramaniam"

# every cell of the listed columns of every static table: its box, against the viewport
CELLS = """(headers) => {
  const out = [];
  for (const table of document.querySelectorAll('[data-testid="stMain"] [data-testid="stTable"] table')) {
    const names = [...table.querySelectorAll('thead th')].map((th) => th.innerText.trim());
    names.forEach((name, i) => {
      if (!headers.includes(name)) return;
      for (const td of table.querySelectorAll(`tbody tr > :nth-child(${i + 1})`)) {
        const box = td.getBoundingClientRect();
        out.push({header: name, text: td.innerText, left: box.left, right: box.right});
      }
    });
  }
  return {cells: out, width: document.documentElement.clientWidth};
}"""

# each chart's title box against the boxes of Plotly's tool bar (shown on hover, if there is one)
TITLES = """() => [...document.querySelectorAll('.js-plotly-plot')].map((plot) => {
  const title = plot.querySelector('.gtitle'), bar = plot.querySelector('.modebar');
  const frame = plot.getBoundingClientRect();
  const t = title ? title.getBoundingClientRect() : null, m = bar ? bar.getBoundingClientRect() : null;
  const overlap = !!(t && m && m.width && m.height && t.left < m.right && m.left < t.right
                     && t.top < m.bottom && m.top < t.bottom);
  return {title: title ? title.textContent : null, overlap, bar: !!(m && m.width),
          inside: !!t && t.left >= frame.left - 1 && t.right <= frame.right + 1};
})"""


@pytest.fixture(scope="module")
def shop(server):
    compiled()  # Hindi is read from the compiled catalogs
    root = root_at(server["db"])
    made = demo.create_demo(root)
    sid = made["shop_id"]
    who = root.write(sid, OWNER, customers.create_customer, name=LONG_NAME, phone="98450 66002",
                     credit_limit="900000")
    today = shop_today("Asia/Kolkata")
    sale = root.write(sid, OWNER, loans.create_loan, who["customer_id"], amount="437379.23",
                      item="Atta 50 kg, 12 bags and cooking oil", issue_date=today - timedelta(days=20),
                      due_date=today - timedelta(days=3))
    root.write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="123456.78",
               paid_on=today - timedelta(days=2))
    return who


def _log_in(browser, server, language: str):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server["base"])
    idle(page)
    page.get_by_label("Username", exact=True).fill(demo.DEMO_USERNAME)
    page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Username", exact=True).wait_for(state="detached")
    idle(page)
    for _ in range(100):  # the login cookie is written on the run after the login
        if any(c["name"] == "credikhaata_auth" for c in context.cookies()):
            break
        page.wait_for_timeout(100)
    if language == "hi":
        _switch_to_hindi(page, server["base"])
    return context, page


def _sidebar_paths(page) -> list[str]:
    open_sidebar(page)
    page.locator('[data-testid="stSidebarNav"]').first.wait_for(state="visible")
    return page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "links => links.map((a) => a.href)")


def _draw(page, url: str) -> None:
    page.goto(url)
    idle(page)
    page.locator('[data-testid="stMain"] h1').first.wait_for(state="visible")
    idle(page)


def _tall_shot(page, name: str) -> None:
    """The whole page at the phone's width for a person to look at (Streamlit scrolls inside its
    own frame, so a full-page screenshot of an 844 px window shows only the top)."""
    page.set_viewport_size({"width": PHONE["width"], "height": 2600})
    page.wait_for_timeout(400)
    shot(page, name)
    page.set_viewport_size(PHONE)


def _no_wider_than_the_phone(page, where: str) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= PHONE["width"] and width[1] <= PHONE["width"], f"{where} scrolls sideways: {width}"


CUT = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetricValue"] p')]
  .filter((p) => p.scrollWidth > p.clientWidth + 1).map((p) => p.innerText)"""


def _nothing_cut(page, where: str) -> None:
    """No number on a metric card is cut short ("₹4,51,…")."""
    cut = page.evaluate(CUT)
    assert not cut, f"{where}: numbers cut short {cut}"


def _essentials_on_screen(page, where: str, headers: list[str]) -> None:
    page.locator('[data-testid="stMain"] [data-testid="stTable"]').first.wait_for(state="visible")
    idle(page)
    found = page.evaluate(CELLS, headers)
    cells = found["cells"]
    assert {c["header"] for c in cells} == set(headers), f"{where}: columns {headers} not all shown: {cells[:3]}"
    outside = [c for c in cells if c["left"] < 0 or c["right"] > found["width"]]
    assert not outside, f"{where}: cells beyond the {found['width']} px screen: {outside[:3]}"


@pytest.mark.parametrize("language", ["en", "hi"])
def test_every_page_fits_a_phone_and_the_tables_show_their_essentials(server, browser, shop, language):
    words = hindi if language == "hi" else (lambda text: text)
    context, page = _log_in(browser, server, language)
    base = server["base"]
    try:
        _draw(page, f"{base}/")
        pages = _sidebar_paths(page)
        assert len(pages) >= 8, pages
        for url in pages + [f"{base}/customer?id={shop['customer_id']}"]:
            name = url[len(base):].strip("/").split("?")[0] or "overview"
            _draw(page, url)
            _no_wider_than_the_phone(page, name)
            _nothing_cut(page, name)
            _tall_shot(page, f"phone-layout-{language}-{name}")
        # the three ledgers: their money columns inside the screen, every row
        _draw(page, f"{base}/customer?id={shop['customer_id']}")
        _essentials_on_screen(page, "statement", [words("Date"), words("Amount"), words("Balance")])
        assert "₹4,37,379.23" in page.locator('[data-testid="stTable"]').first.inner_text()
        _draw(page, f"{base}/loans")
        _essentials_on_screen(page, "credit sales", [words("Sold on"), words("Amount"), words("Owed")])
        _draw(page, f"{base}/repayments")
        _essentials_on_screen(page, "repayments", [words("Paid on"), words("Amount")])
    except Exception:
        shot(page, f"phone-layout-{language}-failure")
        raise
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_chart_title_is_under_a_tool_bar(server, browser, shop, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server["base"])
        idle(page)
        page.get_by_label("Username", exact=True).fill(demo.DEMO_USERNAME)
        page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Username", exact=True).wait_for(state="detached")
        idle(page)
        page.locator('[data-testid="stMain"] h1').first.wait_for(state="visible")
        idle(page)
        box = page.get_by_role("combobox", name="Chart", exact=True).or_(  # the shop may be in Hindi by now
            page.get_by_role("combobox", name=hindi("Chart"), exact=True))
        seen = []
        for index in range(6):  # each chart the chooser offers, one at a time
            box.click()
            page.get_by_role("option").nth(index).click()
            idle(page)
            plot = page.locator(".js-plotly-plot").first
            plot.wait_for(state="visible")
            plot.hover()  # Plotly shows its tool bar on hover, if it has one
            page.wait_for_timeout(300)
            [chart] = page.evaluate(TITLES)
            assert chart["title"], chart
            assert not chart["overlap"], f"{viewport}: the tool bar covers {chart['title']!r}"
            assert not chart["bar"], f"{viewport}: a tool bar is drawn over {chart['title']!r}"
            assert chart["inside"], f"{viewport}: {chart['title']!r} runs past the chart's edge"
            seen.append(chart["title"])
            plot.screenshot(path=str(SCREENSHOTS / f"phone-layout-chart-{viewport}-{index}.png"))
        assert len(set(seen)) == 6, seen
    except Exception:
        shot(page, f"phone-layout-chart-{viewport}-failure")
        raise
    finally:
        context.close()


def test_the_title_check_sees_a_tool_bar_over_a_title(browser):
    """The check above can fail: a plot whose tool bar sits on its title is caught."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.set_content('<div class="js-plotly-plot" style="position:relative;width:390px;height:300px">'
                         '<svg width="390" height="40"><text class="gtitle" x="10" y="20">Credit given vs collected,'
                         ' by week and more words</text></svg>'
                         '<div class="modebar" style="position:absolute;top:2px;right:2px;width:200px;height:30px">'
                         '</div></div>')
        [chart] = page.evaluate(TITLES)
        assert chart["overlap"] and chart["bar"]
    finally:
        context.close()
