/* wagtail_passes calendar: optional progressive enhancement (CAL2).

   Every calendar works without this file: its view switches and previous/next are plain
   links to the same page. With it, following one of those links fetches that URL and
   swaps only this calendar block, updates the address bar, moves focus to the block's
   heading and announces the new period in the block's live region. Any failure falls
   back to an ordinary page load.

   A block rendered without the page's request ({{ page.body }}) names its own page in
   data-wp-calendar-src and its links lead there. This file then asks that page for the
   calendar alone, with the member's cookies, and swaps it in once the page has loaded (the
   member's standing, on the host page), and swaps its links' periods the same way, leaving
   the address bar alone: the host page's URL cannot show them. */
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

  var FRAGMENT = "X-Wagtail-Passes-Fragment";

  function source(block) {
    var wrapper = block.closest && block.closest("[data-wp-calendar-src]");
    return wrapper ? wrapper.getAttribute("data-wp-calendar-src") : "";
  }

  function swap(block, url, push, quiet) {
    var headers = { "X-Requested-With": "fetch" };
    if (source(block)) { headers[FRAGMENT] = "1"; }
    block.setAttribute("aria-busy", "true");
    return fetch(url, { credentials: "same-origin", headers: headers })
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
        // The block as it is now: another swap may have replaced it while this one loaded.
        var current = document.getElementById(block.id) || block;
        if (quiet && current !== block) { return; } // the visitor moved on meanwhile
        var hadFocus = current.contains(document.activeElement);
        current.replaceWith(fresh);
        if (push && !window.history.state) {
          window.history.replaceState({ passesCalendar: fresh.id }, "");
        }
        if (push) { window.history.pushState({ passesCalendar: fresh.id }, "", url); }
        var title = fresh.querySelector(".wp-calendar__title");
        if (quiet) {
          // Filling in the member's view on load: focus stays where the visitor put it.
          if (hadFocus && title) { title.focus({ preventScroll: true }); }
          return;
        }
        if (title) { title.focus({ preventScroll: false }); }
        announce(fresh);
      })
      .catch(function () {
        if (quiet) {
          block.removeAttribute("aria-busy"); // the calendar as rendered stays usable
        } else {
          window.location.assign(url);
        }
      });
  }

  function withBack(url) {
    // The host page, where booking leads back to (checked by the server).
    var here = window.location.pathname + window.location.search;
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "back=" + encodeURIComponent(here);
  }

  function fill() {
    var wrappers = document.querySelectorAll("[data-wp-calendar-src]");
    Array.prototype.forEach.call(wrappers, function (wrapper) {
      var block = wrapper.querySelector("[data-passes-calendar]");
      if (block && block.id) {
        swap(block, withBack(wrapper.getAttribute("data-wp-calendar-src")), false, true);
      }
    });
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
    swap(block, link.href, !source(block));
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
})();
