// secassure: the little script the pages need beyond htmx.
// On a narrow screen a wide table scrolls sideways; whoever uses a keyboard must be able to reach it
// to scroll it, so a table that overflows gets a place in the tab order (and loses it when it fits).
(function () {
  "use strict";
  function reachable(root) {
    (root || document).querySelectorAll("table.grid").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) {
        table.tabIndex = 0;
      } else {
        table.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { reachable(document); });
  window.addEventListener("resize", function () { reachable(document); });
  // An item opened for editing in place takes the focus to its first field, so that a keyboard
  // user carries on where the Review or Edit link they pressed has just been replaced.
  function focusEditing() {
    var editing = document.querySelector("tr.editing");
    if (editing && !editing.contains(document.activeElement)) {
      var first = editing.querySelector("select, textarea, input:not([type=hidden])");
      if (first) { first.focus(); }
    }
  }
  document.addEventListener("htmx:afterSettle", function () { reachable(document); focusEditing(); });
  // A link shown once to be copied (the calendar feed): focusing the field selects all of it. Here
  // rather than in an onfocus attribute, which the Content-Security-Policy does not run.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-select-on-focus]")) { event.target.select(); }
  });
})();
