// On a phone the navigation folds into one "Menu" button that opens and closes it.
(function () {
  "use strict";
  const toggle = document.querySelector(".nav-toggle");
  if (!toggle) return;
  const nav = toggle.closest("nav");
  toggle.addEventListener("click", function () {
    const open = nav.classList.toggle("nav-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
