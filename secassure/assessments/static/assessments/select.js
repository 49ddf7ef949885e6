// Select all shown: the box in a list's heading ticks (or clears) every item's box on the page, and
// follows them, showing a mixed state when only some are ticked. It stays hidden where this script
// does not run, since without it the box would do nothing.
(function () {
  "use strict";
  function boxes(all) {
    return document.querySelectorAll('input[type=checkbox][form=bulk][name="' + all.dataset.selectAll + '"]');
  }
  function follow(all) {
    var list = boxes(all), ticked = 0;
    list.forEach(function (box) { if (box.checked) { ticked += 1; } });
    all.checked = list.length > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
  }
  function each(fn) { document.querySelectorAll("input[data-select-all]").forEach(fn); }
  document.addEventListener("DOMContentLoaded", function () {
    each(function (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes(all).forEach(function (box) { box.checked = all.checked; });
        all.indeterminate = false;
      });
      follow(all);
    });
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("input[type=checkbox][form=bulk]")) { each(follow); }
  });
  // An item drawn afresh after an inline save or check comes back unticked.
  document.addEventListener("htmx:afterSettle", function () { each(follow); });
})();
