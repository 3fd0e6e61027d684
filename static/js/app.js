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
  // In development (DEBUG on), django-htmx's debug helper replaces the whole page with any 400 response,
  // as it does with Django's error pages: keep it away from our fragments (whole error pages still reach it).
  document.body.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    if (isRefusal(xhr) && !/^\s*<!doctype/i.test(xhr.responseText || "")) { event.stopPropagation(); }
  });
})();
