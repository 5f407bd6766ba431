// Keqing's own script: small progressive enhancements only. Pages work
// without it (and without htmx); no inline scripts (CSP script-src 'self').
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.classList.contains("danger")) {
    var lang = document.documentElement.lang;
    var question = lang === "en" ? "Are you sure?" : "确定吗？";
    if (!window.confirm(question)) { event.preventDefault(); }
  }
}, true);
// Close the menu after navigating (hx-boost swaps the body but keeps focus).
document.addEventListener("htmx:afterSwap", function () {
  var menu = document.querySelector("details.menu");
  if (menu) { menu.open = false; }
});
