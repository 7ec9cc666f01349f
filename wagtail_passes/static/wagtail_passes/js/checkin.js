/* wagtail_passes: the check-in screen without reloads (admin/desk/checkin.html).

   Every mark ("Check in", "No-show", "Undo", "Check in all") is a plain form that works
   without this script. With it, the form is posted with fetch asking for JSON; the
   answer's `html` redraws the session (its rows and counts) in place, its `message` is
   shown and read out by the session's live region, and the focus goes back to the row
   (or the session's heading). If the request fails, the form is posted the plain way. */
(function () {
  "use strict";

  var root = document.querySelector("[data-checkin]");
  if (!root || !window.fetch || !window.FormData) {
    return;
  }

  function say(section, message, isError) {
    var status = section && section.querySelector("[data-checkin-status]");
    if (!status) {
      return;
    }
    status.classList.toggle("is-error", Boolean(isError));
    // Empty first, so the same sentence twice is read out twice.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = message || "";
    }, 30);
  }

  function refocus(swap, rowId, action) {
    var row = rowId ? swap.querySelector("#" + CSS.escape(rowId)) : null;
    var target = null;
    if (row) {
      // The opposite of what was done is what staff may want next ("Undo").
      target =
        row.querySelector("[data-checkin-button='" + (action === "clear" ? "attended" : "clear") + "']") ||
        row.querySelector("button, a");
    }
    if (!target) {
      target = swap.querySelector("h3[tabindex]");
    }
    if (target) {
      target.focus();
    }
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-checkin-action")) {
      return;
    }
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") {
      return; // one click is one mark
    }
    var section = form.closest("section");
    var swap = form.closest("[data-checkin-swap]");
    var row = form.closest("[data-checkin-row]");
    var rowId = row ? row.id : "";
    var actionInput = form.querySelector("input[name='action']");
    var action = actionInput ? actionInput.value : "all";
    var buttons = form.querySelectorAll("button");
    form.setAttribute("aria-busy", "true");
    buttons.forEach(function (button) {
      button.disabled = true;
    });

    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (answer) {
        var data = answer.data || {};
        if (data.html && swap) {
          swap.innerHTML = data.html;
          refocus(swap, rowId, action);
        } else {
          form.removeAttribute("aria-busy");
          buttons.forEach(function (button) {
            button.disabled = false;
          });
        }
        say(section, data.message, !answer.ok || data.ok === false);
      })
      .catch(function () {
        // No answer, or not JSON (a login page after the session ended): the plain way.
        form.removeAttribute("aria-busy");
        HTMLFormElement.prototype.submit.call(form);
      });
  });
})();
