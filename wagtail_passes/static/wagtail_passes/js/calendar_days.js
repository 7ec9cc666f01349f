/* wagtail_passes calendar: the day strip, optional progressive enhancement.

   On a narrow screen a calendar shows a strip of days above its sessions and only the
   chosen day below it. Every tab is a link to the same page with that day chosen, so the
   strip works without this file. With it, a tab shows its day at once (no reload), marks
   itself current and puts its address in the address bar; the arrow keys, Home and End
   move between the tabs, and a strip wider than the screen scrolls its chosen tab into view.
   Independent of calendar.js: it listens on the document, so it
   keeps working after calendar.js swaps a block. */
(function () {
  "use strict";
  if (window.passesCalendarDays) {
    return;
  }
  window.passesCalendarDays = true;

  function choose(link) {
    var strip = link.closest("[data-passes-days]");
    var days = strip && strip.parentNode;
    var day = document.getElementById(link.getAttribute("data-passes-day"));
    if (!days || !day || day.parentNode !== days) {
      return false;
    }
    Array.prototype.forEach.call(strip.querySelectorAll("a[data-passes-day]"), function (tab) {
      if (tab === link) {
        tab.setAttribute("aria-current", "true");
      } else {
        tab.removeAttribute("aria-current");
      }
    });
    Array.prototype.forEach.call(days.children, function (child) {
      if (child.classList.contains("wp-day")) {
        child.classList.toggle("wp-day--chosen", child === day);
      }
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(window.history.state, "", link.href);
    }
    return true;
  }

  // A week's strip may be wider than a phone: bring the chosen tab into the strip's view
  // (the strip only, never the page).
  function reveal(strip) {
    var current = strip.querySelector('a[aria-current="true"]');
    var item = current && current.parentNode;
    if (item && strip.scrollWidth > strip.clientWidth) {
      strip.scrollLeft = item.offsetLeft - (strip.clientWidth - item.offsetWidth) / 2;
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-passes-days]"), reveal);

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target.closest && event.target.closest("a[data-passes-day]");
    if (link && choose(link)) {
      event.preventDefault();
    }
  });

  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest("a[data-passes-day]");
    if (!link) {
      return;
    }
    var tabs = Array.prototype.slice.call(
      link.closest("[data-passes-days]").querySelectorAll("a[data-passes-day]")
    );
    var index = tabs.indexOf(link);
    var rtl = window.getComputedStyle(link).direction === "rtl";
    var next = {
      ArrowRight: rtl ? index - 1 : index + 1,
      ArrowLeft: rtl ? index + 1 : index - 1,
      Home: 0,
      End: tabs.length - 1
    }[event.key];
    if (next === undefined || !tabs[next]) {
      return;
    }
    event.preventDefault();
    tabs[next].focus();
  });
})();
