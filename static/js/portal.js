// A button or form with data-confirm asks before it submits: nothing destructive or final
// happens on a single stray click.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A refused form: the focus starts on its error summary (templates/_form_errors.html), or, on
// a page whose form has its own alert, on that alert, so that a keyboard or screen-reader
// user hears what went wrong instead of starting again from the top of the page.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary && document.querySelector("main [aria-invalid='true']")) {
    summary = document.querySelector("main .alert-danger");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
    }
  }
  if (summary) {
    summary.focus();
  }
});

// A link of the error summary moves the focus to its field (a fragment link alone only
// scrolls) and shows the field's label with it.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) {
    return;
  }
  var target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) {
    return;
  }
  event.preventDefault();
  var label = target.id && document.querySelector("label[for='" + target.id + "']");
  (target.closest("fieldset") || label || target).scrollIntoView();
  if (!target.hasAttribute("tabindex") && !target.matches("input, select, textarea, button")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus({ preventScroll: true });
});
