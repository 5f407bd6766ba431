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
// "Select all" boxes: <input type="checkbox" data-check-all="org"> ticks every name="org".
document.addEventListener("change", function (event) {
  var box = event.target;
  if (box && box.dataset && box.dataset.checkAll) {
    document.querySelectorAll('input[type=checkbox][name="' + box.dataset.checkAll + '"]').forEach(function (b) { b.checked = box.checked; });
  }
});
