// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");  // keyboard hints are shown only where the keys work

  // A problem shown by a full page load (a failed log-in, a form sent back with errors) is not read out by
  // every screen reader, and may sit far above the button just pressed: take focus there, so it is read
  // and seen.
  var problem = document.querySelector("[data-focus-on-load]") ||
    document.querySelector("main .errorlist, main .message.error");
  if (problem) {
    if (!problem.hasAttribute("tabindex")) { problem.setAttribute("tabindex", "-1"); }
    problem.focus();
  }

  // Messages that come with a page ("Settings saved." after a redirect) are in it from the start, and screen
  // readers announce only what changes in a live region: say them through the announcer once the page has
  // settled, then empty it, so that reading the page does not meet them twice.
  var announcer = document.getElementById("announcer");
  var shown = document.querySelector(".messages");
  var said = shown ? shown.textContent.replace(/\s+/g, " ").trim() : "";
  if (announcer && said) {
    setTimeout(function () { announcer.textContent = said; }, 300);
    setTimeout(function () { announcer.textContent = ""; }, 8000);
  }

  // Sign-up: the browser's own time zone, so the study day turns over at the learner's night.
  var zone = document.querySelector("input[data-detect-time-zone]");
  if (zone && window.Intl) {
    try { zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* keep the default */ }
  }

  // A refused answer or rating (a quiz answer, a stale or second-tab card) comes back as a 400 or 409
  // fragment carrying its message: swap it in like any other, rather than drop it as an error.
  function isRefusal(xhr) { return xhr.status === 400 || xhr.status === 409; }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isRefusal(event.detail.xhr)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // A busy server (503, quizapp/overload.py) or none at all: htmx swaps nothing, so the page keeps the
  // learner's choice as it was, and nothing was recorded (or, when the 503 says so, it was saved). Say so
  // where the learner clicked (the form's alert, such as the quiz's #answer-problem, or a notice just after
  // the form) and to screen readers, so they can send it again. The message comes with the 503; without
  // a response it is the announcer's data-unreachable text.
  function busyText(xhr) {
    if (xhr && xhr.status === 503 && xhr.responseText) {
      var found = new DOMParser().parseFromString(xhr.responseText, "text/html").querySelector("[data-busy-message]");
      if (found) { return found.textContent.replace(/\s+/g, " ").trim(); }
    }
    return announcer ? announcer.getAttribute("data-unreachable") || "" : "";
  }
  function showBusy(elt, text) {
    if (!text) { return; }
    var form = elt && (elt.closest("form") || elt);
    var place = form && form.querySelector("[role=alert]");
    if (!place && form && form.parentNode) {
      place = form.parentNode.querySelector("[data-busy-notice]");
      if (!place) {
        place = document.createElement("div");
        place.setAttribute("role", "alert");
        place.setAttribute("data-busy-notice", "");
        form.insertAdjacentElement("afterend", place);
      }
    }
    if (place) {
      var p = document.createElement("p");
      p.className = "message error";
      p.setAttribute("data-testid", "busy");
      p.textContent = text;
      place.replaceChildren(p);
    } else if (announcer) {
      announcer.textContent = text;
    }
  }
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status === 503) { showBusy(event.detail.elt, busyText(event.detail.xhr)); }
  });
  document.addEventListener("htmx:sendError", function (event) { showBusy(event.detail.elt, busyText(null)); });
  // The next answer that goes through clears the notice.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      document.querySelectorAll("[data-testid=busy]").forEach(function (p) { p.remove(); });
    }
  });

  // In development (DEBUG on), django-htmx's debug helper replaces the whole page with any 400 response,
  // as it does with Django's error pages: keep it away from our fragments (whole error pages still reach it).
  document.body.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    if (isRefusal(xhr) && !/^\s*<!doctype/i.test(xhr.responseText || "")) { event.stopPropagation(); }
  });
})();
