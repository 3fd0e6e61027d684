// Flashcard review keys: Space shows the answer, 1-4 answer, U undoes, @ suspends, - buries.
// Each key clicks the matching control, so the keys do exactly what the buttons do (and work the same
// with or without htmx). Without this file the review works with the buttons as plain pages.
(function () {
  "use strict";
  var KEYS = { " ": "reveal", "1": "1", "2": "2", "3": "3", "4": "4", "u": "undo", "U": "undo", "@": "suspend", "-": "bury" };
  // From a request until its new content is settled (htmx binds the new buttons then), keys wait: the
  // last one pressed meanwhile is replayed once the new card is ready.
  var busy = false;
  var pending = null;

  function press(name) {
    var study = document.getElementById("study");
    var control = study && study.querySelector('[data-key="' + name + '"]');
    if (control && !control.disabled) control.click();
  }

  document.addEventListener("keydown", function (event) {
    var study = document.getElementById("study");
    if (!study || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var name = KEYS[event.key];
    if (!name) return;
    // Space on a focused button activates that button, as everywhere else (Space does nothing on a link,
    // such as "Show answer" itself, so there it still shows the answer).
    if (name === "reveal" && target.closest && target.closest("button, summary")) return;
    var control = study.querySelector('[data-key="' + name + '"]');
    if (!control) return;
    event.preventDefault();
    if (busy) { pending = name; return; }
    press(name);
  });

  function ready() {
    busy = false;
    var name = pending;
    pending = null;
    if (name) press(name);
  }
  document.addEventListener("htmx:beforeRequest", function () { busy = true; });
  document.addEventListener("htmx:sendError", ready);
  document.addEventListener("htmx:timeout", ready);
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.failed && [400, 409].indexOf(event.detail.xhr.status) < 0) ready();
  });

  // Move focus to the new card so screen readers read it and the keys keep working.
  document.addEventListener("htmx:afterSettle", function () {
    var study = document.getElementById("study");
    if (study) study.focus({ preventScroll: true });
    ready();
  });
})();
