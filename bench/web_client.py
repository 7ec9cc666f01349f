"""The client side of the web benchmark: members as browsers over loopback HTTP.

Pages are driven by what their HTML says, as a browser would: a form's hidden inputs are
sent back as they are (one-time tokens included, however the site keeps them), checked
boxes and radios with their values. Nothing here knows how a token is stored.

A 503 is the site saying "busy, try again" (a lock it could not have in time): the request
is counted as busy and sent again after its Retry-After. Any other 5xx is a failure.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

STATEMENTS_HEADER = "X-Bench-Statements"
#: How often a request refused as busy (503) is sent again before it counts as a failure.
BUSY_RETRIES = 10
#: The longest a Retry-After is obeyed, in seconds (a bench must end).
MAX_RETRY_AFTER = 5.0


# ---- pages and forms ------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # what a browser would send
    checkboxes: dict[str, str] = field(default_factory=dict)  # unchecked boxes: name -> value

    def value(self, name: str, default: str = "") -> str:
        return next((v for n, v in self.fields if n == name), default)

    def has(self, name: str) -> bool:
        return any(n == name for n, _ in self.fields) or name in self.checkboxes

    def data(self, tick: tuple[str, ...] = (), **overrides: str) -> list[tuple[str, str]]:
        """The submission: every field as sent, ``tick`` boxes checked, ``overrides``
        replacing a field's value."""
        sent = [(n, overrides.get(n, v)) for n, v in self.fields]
        sent += [(n, self.checkboxes[n]) for n in tick if n in self.checkboxes]
        return sent


@dataclass
class Page:
    forms: list[Form]
    refusals: list[str]  # every data-refusal="..." on the page

    def form_with(self, name: str, value: str | None = None) -> Form | None:
        """The first form with a field ``name`` (whose value is ``value``, when given)."""
        for form in self.forms:
            if form.has(name) and (value is None or form.value(name) == value):
                return form
        return None


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.refusals: list[str] = []
        self._form: Form | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if "data-refusal" in a:
            self.refusals.append(a["data-refusal"])
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None or "name" not in a or "disabled" in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((a["name"], a.get("value", "on")))
                elif kind == "checkbox":
                    self._form.checkboxes[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.fields.append((a["name"], ""))
        elif tag == "button" and a.get("type", "submit") == "submit" and a.get("value"):
            # a named submit button sends its value; the first one is the default
            if not self._form.has(a["name"]):
                self._form.fields.append((a["name"], a["value"]))

    def handle_data(self, data):
        if self._form is not None and self._textarea is not None:
            name, value = self._form.fields[-1]
            self._form.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None


def parse_page(html: str) -> Page:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return Page(parser.forms, parser.refusals)


# ---- figures --------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by linear interpolation between the closest ranks;
    NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def retry_after(value: str | None) -> float:
    """Seconds to wait from a Retry-After header (seconds; an HTTP date or garbage gives 1)."""
    try:
        seconds = float(value or "1")
    except ValueError:
        return 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER) if math.isfinite(seconds) else 1.0


@dataclass
class Sample:
    label: str  # what was asked: "book GET", "book POST", ...
    status: int
    seconds: float
    statements: int | None


@dataclass
class Recorder:
    """Every response of a scenario, and what went wrong."""

    samples: list[Sample] = field(default_factory=list)
    busy: int = 0  # 503s, sent again
    failures: list[str] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)

    def outcome(self, name: str) -> None:
        self.outcomes[name] = self.outcomes.get(name, 0) + 1

    def of(self, label: str) -> list[Sample]:
        return [s for s in self.samples if s.label == label]

    def statements(self, label: str) -> float:
        counted = [s.statements for s in self.of(label) if s.statements is not None]
        return sum(counted) / len(counted) if counted else math.nan

    def latencies_ms(self, *labels: str) -> list[float]:
        return [s.seconds * 1000 for s in self.samples if not labels or s.label in labels]

    @property
    def server_errors(self) -> int:
        return sum(1 for s in self.samples if s.status >= 500 and s.status != 503)


# ---- members as browsers ---------------------------------------------------------------


def form_body(data: list[tuple[str, str]] | None) -> dict:
    """A form's fields as a browser posts them (order and repeated names kept)."""
    if data is None:
        return {}
    return {
        "content": urlencode(data).encode(),
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    }


async def with_retries(request, recorder: Recorder, what: str, *, label: str, errors=(),
                       sleep=asyncio.sleep):  # fmt: skip
    """``await request()`` until the answer is not a 503 (at most BUSY_RETRIES times again,
    after each Retry-After), recording every answer; the response, or None when it failed
    (``errors`` raised, a 5xx, or busy too often)."""
    for attempt in range(BUSY_RETRIES + 1):
        begin = time.perf_counter()
        try:
            response = await request()
        except errors as error:
            recorder.failures.append(f"{what}: {error!r}")
            return None
        header = response.headers.get(STATEMENTS_HEADER)
        recorder.samples.append(
            Sample(label, response.status_code, time.perf_counter() - begin,
                   int(header) if header and header.isdigit() else None)
        )  # fmt: skip
        if response.status_code != 503:
            break
        recorder.busy += 1
        if attempt < BUSY_RETRIES:
            await sleep(retry_after(response.headers.get("Retry-After")))
    if response.status_code >= 500:
        recorder.failures.append(f"{what}: HTTP {response.status_code}")
        return None
    return response


class Browser:
    """One member's (or an anonymous visitor's) cookies over a shared connection pool."""

    def __init__(self, transport, base_url: str, recorder: Recorder, session_key: str = ""):
        import httpx

        self.client = httpx.AsyncClient(
            transport=transport, base_url=base_url, trust_env=False, timeout=120
        )
        if session_key:
            self.client.cookies.set("sessionid", session_key, domain=httpx.URL(base_url).host)
        self.recorder = recorder

    def rebind(self, transport, recorder: Recorder) -> None:
        """Go on, cookies kept, over another connection pool and into another recorder."""
        import httpx

        self.client = httpx.AsyncClient(
            transport=transport,
            base_url=self.client.base_url,
            trust_env=False,
            timeout=120,
            cookies=self.client.cookies,
        )
        self.recorder = recorder

    async def send(self, label: str, method: str, url: str, data=None):
        """One request, sent again while the site answers 503; None when it failed."""
        import httpx

        async def request():
            return await self.client.request(method, url, **form_body(data))

        return await with_retries(
            request, self.recorder, f"{label} {url}", label=label, errors=(httpx.HTTPError,)
        )

    async def get(self, label: str, url: str):
        return await self.send(label, "GET", url)

    async def post(self, label: str, url: str, data):
        return await self.send(label, "POST", url, data=data)

    async def page(self, label: str, url: str) -> tuple[object, Page | None]:
        response = await self.get(label, url)
        if response is None or response.status_code != 200:
            return response, None
        return response, parse_page(response.text)


def posted_to(form: Form, page_url: str) -> str:
    """Where a form posts: its action, or the page itself when it has none."""
    return form.action or page_url


def led_to(response, path: str, outcome: str) -> str:
    """``outcome`` when the redirect leads to ``path``, else where it leads."""
    location = response.headers.get("Location", "")
    return outcome if path in location else f"303 to {location or '?'}"


async def open_page(browser: Browser, url: str, label: str) -> tuple[Page | None, str]:
    """The page at ``url``, or None and why not."""
    response, page = await browser.page(label, url)
    if page is None:
        return None, "failed" if response is None else f"{label} HTTP {response.status_code}"
    return page, ""


async def book(browser: Browser, url: str, prefix: str = "book", *, waitlist: bool) -> str:
    """A member opens a booking page and presses Book (``press_book``)."""
    page, why = await open_page(browser, url, f"{prefix} GET")
    if page is None:
        return why
    return await press_book(browser, page, url, prefix, waitlist=waitlist)


async def press_book(
    browser: Browser, page: Page, url: str, prefix: str = "book", *, waitlist: bool
) -> str:
    """Book on the booking ``page``; when the answer is that the session is full and the
    page offers the waiting list, join it (``waitlist``). Returns what happened: "booked",
    "waiting", or why not."""
    form = page.form_with("action", "book")
    full_page = page  # full before they could try: the page offers the waiting list
    if form is not None:
        response = await browser.post(f"{prefix} POST", posted_to(form, url), form.data())
        if response is None:
            return "failed"
        if response.status_code == 303:
            return led_to(response, "/booked/", "booked")
        full_page = parse_page(response.text) if response.status_code < 500 else None
    join = full_page and full_page.form_with("action", "waitlist")
    if join is None or not waitlist:
        return "refused: " + ",".join(full_page.refusals if full_page else ["?"])
    response = await browser.post(f"{prefix} waitlist POST", posted_to(join, url), join.data())
    if response is None:
        return "failed"
    return "waiting" if response.status_code == 303 else f"waitlist HTTP {response.status_code}"


async def press_floor(browser: Browser, page: Page, url: str) -> str:
    """Book on the floor's booking ``page``."""
    form = page.form_with("member_pass")
    if form is None:
        return "no booking form"
    response = await browser.post("floor POST", posted_to(form, url), form.data())
    if response is None:
        return "failed"
    if response.status_code == 303:
        return led_to(response, "/booked/", "booked")
    return f"HTTP {response.status_code}"


async def check_out(browser: Browser, url: str) -> str:
    """A member opens a product's checkout, accepts the terms when asked, and confirms.
    Returns "placed", "sold out", or why not."""
    response, page = await browser.page("checkout GET", url)
    if page is None:
        return "failed" if response is None else f"checkout GET HTTP {response.status_code}"
    if "sold_out" in page.refusals:
        return "sold out"
    form = page.form_with("seen_total")
    if form is None:
        return "no checkout form"
    data = form.data(tick=("accept_terms",))
    response = await browser.post("checkout POST", posted_to(form, url), data)
    if response is None:
        return "failed"
    if response.status_code == 303:
        return led_to(response, "/passes/orders/", "placed")
    refusals = parse_page(response.text).refusals if response.status_code < 500 else []
    return "sold out" if "sold_out" in refusals else f"refused: {','.join(refusals) or '?'}"


async def run_all(jobs, concurrency: int | None, deadline: float | None = None):
    """Run the coroutine factories ``jobs`` with at most ``concurrency`` at a time (all at
    once when None); those not started by ``deadline`` (time.monotonic) are skipped.
    Returns the results in order (None for a skipped job)."""
    gate = asyncio.Semaphore(concurrency or len(jobs) or 1)

    async def one(job):
        async with gate:
            if deadline is not None and time.monotonic() > deadline:
                return None
            return await job()

    return await asyncio.gather(*(one(job) for job in jobs))
