// A section tree of checkboxes (the quiz start form, the class form): a part's box ticks (or clears) all
// its sections, and shows "some" when only some are ticked. Without this file the part's box still works:
// it sends the part, which stands for its sections. On the start form, which list shows (one section, or
// many) follows the kind by CSS alone (:has).
(function () {
  "use strict";
  function leavesOf(form, part) {
    return form.querySelectorAll('input[data-in-part="' + part + '"]');
  }
  function sync(form, part) {
    var box = form.querySelector('input[data-part="' + part + '"]');
    var leaves = Array.prototype.slice.call(leavesOf(form, part));
    var ticked = leaves.filter(function (l) { return l.checked; }).length;
    box.checked = ticked === leaves.length;
    box.indeterminate = ticked > 0 && ticked < leaves.length;
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-testid=start-form], form[data-section-tree]").forEach(watch);
  });
  function watch(form) {
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.dataset.part) {
        leavesOf(form, input.dataset.part).forEach(function (leaf) { leaf.checked = input.checked; });
        input.indeterminate = false;
      } else if (input.dataset.inPart) {
        sync(form, input.dataset.inPart);
      }
    });
    form.querySelectorAll("input[data-part]").forEach(function (box) { sync(form, box.dataset.part); });
  }
})();
