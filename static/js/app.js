// Confirmation before destructive actions: <form data-confirm="…">. No inline scripts (CSP).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
}, true);

// Printing (static/css/print.css): the page's print footer (unit, period, print time, rendered
// by base.html) goes into the sheet's bottom margin through CSS variables that @page margin
// boxes read, so it repeats on every sheet without covering content.
document.addEventListener("DOMContentLoaded", function () {
  var footer = document.querySelector("[data-print-footer]");
  if (!footer) { return; }
  var root = document.documentElement;
  function cssString(text) {
    return '"' + text.trim().replace(/\s+/g, " ").replace(/["\\]/g, function (c) {
      return "\\" + c.charCodeAt(0).toString(16) + " ";
    }) + '"';
  }
  footer.querySelectorAll("[data-print-part]").forEach(function (part) {
    root.style.setProperty("--lz-print-" + part.dataset.printPart, cssString(part.textContent));
  });
  root.classList.add("lz-print-margins");
});
