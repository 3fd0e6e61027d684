// Quiz pages: keyboard shortcuts, focus after htmx swaps, and move up/down buttons and dragging (SortableJS,
// loaded only when an ordering question is shown) for ordering questions.
// Every page works without this file (plain forms and links); this only makes it nicer.
(function () {
  "use strict";

  function region() { return document.getElementById("quiz-region"); }

  // A question whose answer is typed (fill-in, numerical) starts in its input, so typing right after N lands
  // there; its fieldset is named by the prompt, which screen readers read on the way in. Otherwise the
  // prompt or the feedback's heading.
  function focusSwapped(root) {
    root = root || document;
    var target = root.querySelector("[data-autofocus='answer']") || root.querySelector("[data-autofocus]");
    if (target) { target.focus({ preventScroll: false }); }
  }

  function renumber(list) {
    var items = list.querySelectorAll(".ordering-item");
    items.forEach(function (li, index) {
      var select = li.querySelector("select");
      if (select) { select.value = String(index + 1); }
      var label = li.querySelector("label");
      if (label) { label.setAttribute("data-place", String(index + 1)); }
      var up = li.querySelector("[data-move='up']");
      var down = li.querySelector("[data-move='down']");
      if (up) { up.disabled = index === 0; }
      if (down) { down.disabled = index === items.length - 1; }
    });
  }

  // An ordering item's own text, without the label's hidden words for screen readers ("Position of").
  function itemText(li) {
    var label = li.querySelector("label").cloneNode(true);
    label.querySelectorAll(".visually-hidden").forEach(function (hidden) { hidden.remove(); });
    return label.textContent.trim();
  }

  function enhanceOrdering(root) {
    (root || document).querySelectorAll("ol.ordering:not(.js-ordering)").forEach(function (list) {
      list.classList.add("js-ordering");
      var help = list.parentElement.querySelector("[data-js-text]");  // the selects are gone: say buttons
      if (help) { help.textContent = help.dataset.jsText; }
      // Start from the order the selects say (they may have been changed before this ran).
      var items = Array.prototype.slice.call(list.querySelectorAll(".ordering-item"));
      items.sort(function (a, b) {
        return Number(a.querySelector("select").value) - Number(b.querySelector("select").value);
      });
      items.forEach(function (li) { list.appendChild(li); });
      items.forEach(function (li) {
        // The buttons replace the select, which stays (hidden) only to carry the place in the form.
        var select = li.querySelector("select");
        select.tabIndex = -1;
        select.setAttribute("aria-hidden", "true");
        var text = itemText(li);
        var box = document.createElement("span");
        box.className = "move-buttons";
        [["up", "↑", list.dataset.upLabel || "Move “{item}” up"],
         ["down", "↓", list.dataset.downLabel || "Move “{item}” down"]].forEach(function (spec) {
          var button = document.createElement("button");
          button.type = "button";
          button.dataset.move = spec[0];
          button.textContent = spec[1];
          button.setAttribute("aria-label", spec[2].replace("{item}", text));
          box.appendChild(button);
        });
        li.appendChild(box);
      });
      renumber(list);
      withSortable(list);
    });
  }

  // Dragging, by SortableJS (static/vendor/sortablejs), fetched the first time an ordering question is
  // shown: a script element made here is the site's own file, which the CSP allows, and scripts inside
  // htmx swaps never run. The buttons stay: they are the keyboard's and the screen reader's way.
  var sortableWaiting = [];
  function withSortable(list) {
    if (window.Sortable) { makeSortable(list); return; }
    sortableWaiting.push(list);
    if (sortableWaiting.length > 1 || !list.dataset.sortableSrc) { return; }
    var script = document.createElement("script");
    script.src = list.dataset.sortableSrc;
    script.onload = function () {
      sortableWaiting.forEach(function (waiting) { if (document.body.contains(waiting)) { makeSortable(waiting); } });
      sortableWaiting = [];
    };
    document.head.appendChild(script);
  }

  function makeSortable(list) {
    if (list.classList.contains("js-sortable")) { return; }
    list.classList.add("js-sortable");
    var help = list.parentElement.querySelector("[data-drag-text]");
    if (help) { help.textContent = help.dataset.dragText; }
    window.Sortable.create(list, {
      draggable: ".ordering-item",
      filter: "button, select",  // a press on ↑ or ↓ is a press, not the start of a drag
      preventOnFilter: false,
      delay: 120,
      delayOnTouchOnly: true,  // a finger that moves at once scrolls the page
      animation: 150,
      ghostClass: "is-ghost",
      chosenClass: "is-chosen",
      onEnd: function (event) {
        renumber(list);
        if (event.oldIndex !== event.newIndex) { announceMove(list, event.item); }
      }
    });
  }

  // A move is announced ("“X” is now in place 2 of 4."): the focused button's name does not change.
  function announceMove(list, li) {
    var status = list.parentElement.querySelector("[data-ordering-status]");
    if (!status || !list.dataset.movedLabel) { return; }
    var items = Array.prototype.slice.call(list.querySelectorAll(".ordering-item"));
    status.textContent = list.dataset.movedLabel.replace("{item}", itemText(li))
      .replace("{place}", String(items.indexOf(li) + 1)).replace("{count}", String(items.length));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) { return; }
    var li = button.closest(".ordering-item");
    var list = li.parentElement;
    if (button.dataset.move === "up" && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
    } else if (button.dataset.move === "down" && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
    }
    renumber(list);
    announceMove(list, li);
    if (button.disabled) {
      var other = li.querySelector("[data-move]:not(:disabled)");
      if (other) { other.focus(); }
    } else {
      button.focus();
    }
  });

  // Keys pressed in a text box are the learner's text, never a shortcut (N, digits); Enter there submits
  // the box's own form, as the browser does anyway.
  function isTyping(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable ||
      (tag === "INPUT" && !/^(radio|checkbox|button|submit)$/.test(el.type));
  }

  // Enter on a link, a button or a disclosure ("Leave this quiz") is that control's own: leave it alone.
  function isControl(el) {
    return !!el && (el.tagName === "A" || el.tagName === "BUTTON" || el.tagName === "SUMMARY");
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    var el = document.activeElement;
    if (isTyping(el)) { return; }
    var next = document.getElementById("next-link");
    var form = document.querySelector("form.question-form");
    if (next && !form) {
      if (event.key === "n" || event.key === "N" || (event.key === "Enter" && !isControl(el))) {
        event.preventDefault();
        next.click();
      }
      return;
    }
    if (!form) { return; }
    if (/^[1-9]$/.test(event.key)) {
      var option = form.querySelector("[data-key='" + event.key + "']");
      if (!option) { return; }
      event.preventDefault();
      if (option.tagName === "BUTTON") { option.click(); return; }
      if (option.type === "checkbox") { option.checked = !option.checked; } else { option.checked = true; }
      option.focus();
    } else if (event.key === "Enter") {
      if (isControl(el)) { return; }
      event.preventDefault();
      var submit = form.querySelector("button[type=submit]:not([name])");
      if (submit) { form.requestSubmit(submit); }
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && (target.id === "quiz-region" || target.closest && target.closest("#quiz-region"))) {
      enhanceOrdering(region());
      if (target.id === "quiz-region") {
        focusSwapped(target);
        // A notice that came with the quiz's first page ("only 7 questions here") has been read by now.
        var notices = document.querySelector(".messages");
        if (notices) { notices.replaceChildren(); }
      }
    }
  });

  // A refused answer leaves the form in place with a message (role=alert, read out); the submit button was
  // disabled while the request ran, which drops keyboard focus to the page: give it back to the form.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.question-form")) { return; }
    setTimeout(function () {
      var lost = !document.activeElement || document.activeElement === document.body;
      if (lost && document.body.contains(form)) {
        // The learner's pick first, else the first control they use (never the hidden place selects).
        var picks = ["input:checked", "input:not([type=hidden])", "select:not([aria-hidden=true])",
                     "[data-move]:not(:disabled)", "button[type=submit]"];
        for (var i = 0; i < picks.length; i++) {
          var control = form.querySelector(picks[i]);
          if (control) { control.focus(); break; }
        }
      }
    }, 0);
  });

  function ready() {
    enhanceOrdering(document);
    // A question or its feedback is what the page is for: start there, as after an htmx swap.
    var r = region();
    if (r && !location.hash) { focusSwapped(r); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
