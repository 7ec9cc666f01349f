"""A studio's front desk on an ordinary day, for the browser walks of the front desk
(``test_front_desk_walk.py``), and the small helpers the desk's browser tests share.

``build_desk_day()`` makes, through the services as the site does: a "Pay-as-you-go Yoga"
programme (€12 a class, check-in opening 30 minutes before the start, the default), a
Yoga Flow session starting in 10 minutes and a Vinyasa session starting in 25 (both open
for check-in), members with passes and without, last week's class (Ann attended, Dev still
owes it), the "Front desk" group with one of its users, and a manager (a superuser).
Names and prices are the demo's (``passes_demo``), so the screenshots the walk takes for
the docs look like a real studio.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from decimal import Decimal

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from wagtail_passes import services
from wagtail_passes.models import Booking, BookingStatus, MemberPass, Session
from wagtail_passes.services.staff_roles import ensure_front_desk_group
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    UserFactory,
    member_pass,
)

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}

#: Where the walk also writes its screenshots for the docs, under stable names.
DOCS_SCREENSHOTS_ENV = "PASSES_DOCS_SCREENSHOTS"


# ---- helpers the desk's browser tests share ---------------------------------------------


def log_in(page, live_server, username, password="password"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))


def settled(page):
    """Wagtail's messages fade in (an opacity transition): wait until they have."""
    page.wait_for_function(
        "[...document.querySelectorAll('.messages > ul')]"
        ".every(list => getComputedStyle(list).opacity === '1')",
        timeout=5_000,
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def scroll_to(locator, top: int = 90) -> None:
    """Scroll the page (the admin's scrolling box, whichever it is) until ``locator`` is
    ``top`` pixels below the top of the window, under the admin's sticky header."""
    locator.evaluate(
        """(el, top) => {
          let box = el.parentElement;
          while (box && !(box.scrollHeight > box.clientHeight
                 && /auto|scroll/.test(getComputedStyle(box).overflowY))) box = box.parentElement;
          box = box || document.scrollingElement;
          box.scrollTop += el.getBoundingClientRect().top - top;
        }""",
        top,
    )


class Screenshots:
    """``shots(page, name)``: a full-page artefact (``save_screenshot``, as
    ``front-desk-<name>.png``) and, when ``PASSES_DOCS_SCREENSHOTS`` names a directory, the
    viewport alone (not the full page, so the PNG stays small) as ``<name>.png`` there,
    for the docs (``make docs-screenshots``)."""

    def __init__(self, save_screenshot, docs_dir: str | None = None):
        self.save_screenshot = save_screenshot
        self.docs_dir = docs_dir if docs_dir is not None else os.environ.get(DOCS_SCREENSHOTS_ENV)
        self.written: list[str] = []

    def __call__(self, page, name: str) -> None:
        page.mouse.move(0, 0)  # no hover state or tooltip in the picture
        self.save_screenshot(page, f"front-desk-{name}")
        if self.docs_dir:
            os.makedirs(self.docs_dir, exist_ok=True)
            path = os.path.join(self.docs_dir, f"{name}.png")
            page.screenshot(path=path, full_page=False, animations="disabled", caret="hide")
            self.written.append(path)


# ---- the day --------------------------------------------------------------------------------


@dataclass
class DeskDay:
    desk: object  # a user of the "Front desk" group
    manager: object  # a superuser: the reports are not the front desk's
    ann: object
    finn: object
    flow: Session  # Yoga Flow, starting in 10 minutes: Ann is booked into it in the walk
    vinyasa: Session  # Vinyasa, starting in 25 minutes: "Check in all"
    vinyasa_bookings: list[Booking]
    ann_pass: MemberPass
    ten_classes: object  # the "10-class pass" product
    tomorrow: Session


def person(username: str, first: str, last: str, days: int = 200):
    """A member who joined ``days`` ago."""
    return UserFactory(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@example.org",
        date_joined=timezone.now() - dt.timedelta(days=days),
    )


def _session(klass, start: dt.datetime, minutes: int) -> Session:
    return klass.sessions.create(start=start, end=start + dt.timedelta(minutes=minutes))


def build_desk_day() -> DeskDay:
    group, _ = ensure_front_desk_group()
    desk = person("sam", "Sam", "Rivera")
    desk.groups.add(group)
    manager = UserFactory(
        username="maya",
        first_name="Maya",
        last_name="Jensen",
        email="maya@example.org",
        is_superuser=True,
    )

    yoga = ProgrammeFactory(
        name="Pay-as-you-go Yoga",
        slug="pay-as-you-go-yoga",
        currency="EUR",
        default_unit_price=Decimal("12.00"),
    )
    flow_class = ProgrammeClassFactory(
        programme=yoga, name="Yoga Flow", location="Studio 1", instructor="Maya", capacity=14
    )
    vinyasa_class = ProgrammeClassFactory(
        programme=yoga, name="Vinyasa", location="Studio 2", instructor="Leo", capacity=12
    )
    yin_class = ProgrammeClassFactory(
        programme=yoga, name="Yin Yoga", location="Studio 2", instructor="Maya", capacity=10
    )

    now = timezone.now().replace(second=0, microsecond=0)
    flow = _session(flow_class, now + dt.timedelta(minutes=10), 60)
    vinyasa = _session(vinyasa_class, now + dt.timedelta(minutes=25), 45)
    last_week_start = timezone.localtime(now - dt.timedelta(days=7)).replace(hour=18, minute=30)
    last_week = _session(flow_class, last_week_start, 60)
    tomorrow_start = timezone.localtime(now + dt.timedelta(days=1)).replace(hour=19, minute=0)
    tomorrow = _session(yin_class, tomorrow_start, 75)

    ten_classes = PassPageFactory(
        title="10-class pass", quantity=Decimal(10), duration_days=90, price=Decimal("100.00")
    )
    month = PassPageFactory(
        title="Unlimited month",
        kind="unlimited",
        quantity=None,
        duration_days=30,
        price=Decimal("120.00"),
    )

    ann = person("ann", "Ann", "Lee", days=420)
    ann_pass = member_pass(ann, ten_classes, purchased_at=now - dt.timedelta(days=30))
    ben = person("ben", "Ben", "Okafor")
    member_pass(ben, month)
    carla = person("carla", "Carla", "Díaz")
    member_pass(carla, ten_classes)
    dev = person("dev", "Dev", "Patel")  # no pass: the class's price is due
    emma = person("emma", "Emma", "Schultz")
    member_pass(emma, ten_classes)
    grace = person("grace", "Grace", "Kim")
    member_pass(grace, month)
    finn = person("finn", "Finn", "Murphy", days=3)  # buys a pass at the desk

    # Yoga Flow in 10 minutes: two members already booked; Ann joins them in the walk.
    services.book(grace, flow, by=manager)
    services.book(dev, flow, by=manager)
    # Last week's Yoga Flow: Ann booked it two days before and the desk checked her in; Dev
    # came without a pass and still owes its price (Outstanding payments shows it).
    with time_machine.travel(last_week_start - dt.timedelta(days=2), tick=False):
        last_class = services.book(ann, last_week, by=ann)
        services.book(dev, last_week, by=manager)
    with time_machine.travel(last_week_start - dt.timedelta(minutes=5), tick=False):
        services.mark_attendance(last_class, True, by=desk)
    # Vinyasa in 25 minutes: four bookings, one of them for two places (Emma's pass is
    # for one place per session, U3: the two places are owed).
    vinyasa_bookings = [
        services.book(ben, vinyasa, by=manager),
        services.book(carla, vinyasa, by=manager),
        services.book(emma, vinyasa, attendees=2, by=manager),
        services.book(dev, vinyasa, by=manager),
    ]
    assert {b.status for b in vinyasa_bookings} == {BookingStatus.BOOKED}
    return DeskDay(
        desk=desk,
        manager=manager,
        ann=ann,
        finn=finn,
        flow=flow,
        vinyasa=vinyasa,
        vinyasa_bookings=vinyasa_bookings,
        ann_pass=ann_pass,
        ten_classes=ten_classes,
        tomorrow=tomorrow,
    )
