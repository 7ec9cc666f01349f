/* wagtail_passes calendar: optional progressive enhancement (CAL2).

   Every calendar works without this file: its view switches and previous/next are plain
   links to the same page. With it, following one of those links fetches that URL and
   swaps only this calendar block, updates the address bar, moves focus to the block's
   heading and announces the new period in the block's live region. Any failure falls
   back to an ordinary page load. */
(function () {
  "use strict";
  if (window.passesCalendar || !window.fetch || !window.DOMParser) {
    return;
  }
  window.passesCalendar = true;

  function announce(block) {
    var live = block.querySelector("[data-passes-live]");
    var title = block.querySelector(".wp-calendar__title");
    if (live && title) {
      // Set after the swap, so screen readers notice the change.
      window.setTimeout(function () { live.textContent = title.textContent; }, 50);
    }
  }

  function swap(block, url, push) {
    block.setAttribute("aria-busy", "true");
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(block.id);
        if (!fresh) { throw new Error("calendar not found"); }
        fresh = document.importNode(fresh, true);
        // The fetched block carries its own <script>: drop it, this one is running.
        Array.prototype.forEach.call(fresh.querySelectorAll("script"), function (s) { s.remove(); });
        block.replaceWith(fresh);
        if (push && !window.history.state) {
          window.history.replaceState({ passesCalendar: fresh.id }, "");
        }
        if (push) { window.history.pushState({ passesCalendar: fresh.id }, "", url); }
        var title = fresh.querySelector(".wp-calendar__title");
        if (title) { title.focus({ preventScroll: false }); }
        announce(fresh);
      })
      .catch(function () { window.location.assign(url); });
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target.closest && event.target.closest("a[data-passes-nav]");
    if (!link) { return; }
    var block = link.closest("[data-passes-calendar]");
    if (!block || !block.id) { return; }
    event.preventDefault();
    swap(block, link.href, true);
  });

  window.addEventListener("popstate", function (event) {
    var id = event.state && event.state.passesCalendar;
    var block = id && document.getElementById(id);
    if (block) {
      swap(block, window.location.href, false);
    } else if (id) {
      window.location.reload();
    }
  });
})();
