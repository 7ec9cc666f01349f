"""Every admin page of the app reads well at 1280 px (issue 18, item 5): axe-core finds no
WCAG 2.2 A/AA violation, no word of a cell, header, button or link breaks inside its
letters ("membe/r", "Insp/ect"), and no list is wider than its column.

The pages are a list of (name, url builder) per group, walked in a studio's back office
with something of everything (``admin_world.build_world``); add a page by adding a line.
A screenshot of each is saved as ``admin-<name>.png`` (``save_screenshot``)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .admin_world import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1280, 900


def url(model: str, action: str, *args, query: str = "") -> str:
    path = reverse(f"wagtail_passes_{model}_modeladmin_{action}", args=args)
    return f"{path}?{query}" if query else path


def desk(name: str, *args, query: str = "") -> str:
    path = reverse(f"wagtail_passes_desk:{name}", args=args)
    return f"{path}?{query}" if query else path


#: (name, url builder) of each page, by group. A builder takes the ``World``.
ADMIN_PAGES: dict[str, list[tuple[str, object]]] = {
    "lists": [
        ("dashboard", lambda w: reverse("wagtailadmin_home")),
        ("programmes", lambda w: url("programme", "index")),
        ("classes", lambda w: url("programmeclass", "index")),
        ("schedules", lambda w: url("schedule", "index")),
        ("sessions", lambda w: url("session", "index")),
        ("bookings", lambda w: url("booking", "index")),
        ("member-passes", lambda w: url("memberpass", "index")),
        ("orders", lambda w: url("order", "index")),
        ("payments-needing-attention", lambda w: url("paymentissue", "index")),
        ("payments-resolved-or-open", lambda w: url("paymentissue", "index", query="state=all")),
        ("registrations", lambda w: url("registration", "index")),
        ("discount-codes", lambda w: url("discountcode", "index")),
        ("report-pass-holders", lambda w: reverse("wagtail_passes_reports:pass_holders")),
        ("report-outstanding", lambda w: reverse("wagtail_passes_reports:outstanding")),
    ],
    "inspect": [
        ("booking", lambda w: url("booking", "inspect", w.booking.pk)),
        ("booking-owing", lambda w: url("booking", "inspect", w.owing.pk)),
        ("member-pass-entries", lambda w: url("memberpass", "inspect", w.entries.pk)),
        ("member-pass-unlimited", lambda w: url("memberpass", "inspect", w.unlimited.pk)),
        ("member-pass-money", lambda w: url("memberpass", "inspect", w.money.pk)),
        ("member-pass-history", lambda w: url("memberpass", "history", w.entries.pk)),
        ("order-paid", lambda w: url("order", "inspect", w.paid.pk)),
        ("order-pending", lambda w: url("order", "inspect", w.pending.pk)),
        ("order-paid-twice", lambda w: url("order", "inspect", w.issue.order_id)),
        ("order-history", lambda w: url("order", "history", w.paid.pk)),
        ("registration", lambda w: url("registration", "inspect", w.registration.pk)),
        ("register", lambda w: url("session", "register", w.session.pk)),
        ("register-started", lambda w: url("session", "register", w.past_session.pk)),
    ],
    "forms": [
        ("programme-create", lambda w: url("programme", "create")),
        ("programme-edit", lambda w: url("programme", "edit", w.programme.pk)),
        ("programme-delete", lambda w: url("programme", "delete", w.programme.pk)),
        ("class-create", lambda w: url("programmeclass", "create")),
        ("class-edit", lambda w: url("programmeclass", "edit", w.programme_class.pk)),
        ("schedule-create", lambda w: url("schedule", "create")),
        ("schedule-edit", lambda w: url("schedule", "edit", w.schedule.pk)),
        ("session-create", lambda w: url("session", "create")),
        ("session-edit", lambda w: url("session", "edit", w.session.pk)),
        ("discount-code-create", lambda w: url("discountcode", "create")),
        ("discount-code-edit", lambda w: url("discountcode", "edit", w.code.pk)),
    ],
    "actions": [
        ("mark-paid", lambda w: url("order", "mark_paid", w.pending.pk)),
        ("cancel-order", lambda w: url("order", "cancel", w.pending.pk)),
        ("refund", lambda w: url("order", "refund", w.paid.pk)),
        ("resolve-payment", lambda w: url("paymentissue", "resolve", w.issue.pk)),
        ("assign-pass", lambda w: url("memberpass", "assign")),
        ("hold-pass", lambda w: url("memberpass", "hold", w.entries.pk)),
        ("adjust-pass", lambda w: url("memberpass", "adjust", w.money.pk)),
        ("extend-pass", lambda w: url("memberpass", "extend", w.entries.pk)),
        ("cancel-pass", lambda w: url("memberpass", "cancel", w.money.pk)),
        ("stop-renewal", lambda w: url("memberpass", "stop_renewal", w.unlimited.pk)),
        ("paid-at-the-desk", lambda w: url("booking", "desk_payment", w.owing.pk)),
        ("cancel-booking", lambda w: url("booking", "cancel", w.booking.pk)),
        ("mark-attendance", lambda w: url("booking", "attendance", w.attended.pk)),
        ("book-a-member", lambda w: url("session", "book", w.session.pk)),
        ("cancel-session", lambda w: url("session", "cancel_session", w.session.pk)),
        ("generate-sessions", lambda w: url("schedule", "generate", w.schedule.pk)),
        ("withdraw-registration", lambda w: url("registration", "withdraw", w.registration.pk)),
    ],
    "desk": [
        ("member-search", lambda w: desk("member_search", query="q=example")),
        ("member-profile", lambda w: desk("member", w.member.pk)),
        ("checkin", lambda w: desk("checkin", query=f"date={w.past_session.local_date}")),
        ("desk-sale", lambda w: desk("sell", query=f"member={w.member.pk}")),
    ],
}

#: Each word (split at spaces and after hyphens, where lines may break) of the text in
#: ``selector`` whose letters the browser laid out on more than one line. Text a screen
#: reader alone reads (clipped, hidden, 1 px wide) is left out.
BROKEN_WORDS_JS = r"""
(selector) => {
  const hidden = new Map();
  const isHidden = (el) => {
    if (!el) return false;
    if (hidden.has(el)) return hidden.get(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const result = style.display === 'none' || style.visibility === 'hidden'
      || (style.clip && style.clip !== 'auto') || (style.clipPath && style.clipPath !== 'none')
      || box.width <= 2 || box.height <= 2 || isHidden(el.parentElement);
    hidden.set(el, result);
    return result;
  };
  const range = document.createRange();
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.trim() || isHidden(node.parentElement)) continue;
      for (const word of node.data.matchAll(/[^\s-]+-?/g)) {
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set(Array.from(range.getClientRects())
          .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) {
          const where = `${el.tagName.toLowerCase()}: ${el.innerText.trim().slice(0, 60)}`;
          broken.push(`${word[0]} (${where})`);
        }
      }
    }
  }
  return [...new Set(broken)];
}
"""

#: Each table in the page's content that reaches past the column it is in.
WIDE_TABLES_JS = r"""
() => Array.from(document.querySelectorAll('main table')).filter((table) => {
  const column = table.parentElement.getBoundingClientRect();
  return table.getBoundingClientRect().right > column.right + 1;
}).map((table) => table.querySelector('th') ? table.querySelector('th').innerText : 'table')
"""

READ_WELL = "main td, main th, main .button, main button, main a, main dt, main dd, main label"


def log_in(page, live_server, username="boss", password="password"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))


def problems_of(page) -> list[str]:
    problems = [f"word broken inside: {word}" for word in page.evaluate(BROKEN_WORDS_JS, READ_WELL)]
    problems += [f"table wider than its column: {name}" for name in page.evaluate(WIDE_TABLES_JS)]
    return problems


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.mark.parametrize("group", list(ADMIN_PAGES))
def test_each_admin_page_has_no_axe_violation_and_no_word_broken_at_1280px(
    group, world, page, live_server, assert_accessible, save_screenshot
):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.set_default_timeout(15_000)
    log_in(page, live_server)
    failures = []
    for name, build_url in ADMIN_PAGES[group]:
        response = page.goto(live_server.url + build_url(world))
        assert response is not None and response.status == 200, (name, response and response.url)
        assert "/admin/login/" not in page.url, name
        save_screenshot(page, f"admin-{name}")
        failures += [f"{name}: {problem}" for problem in problems_of(page)]
        try:
            assert_accessible(page, f"admin page {name!r}")
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n".join(failures)
