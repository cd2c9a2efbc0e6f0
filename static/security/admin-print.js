// Print buttons in the admin (the consent proof page): no inline handlers, the CSP forbids them.
"use strict";
document.addEventListener("click", function(event) {
  const link = event.target.closest("[data-print]");
  if (link) { event.preventDefault(); window.print(); }
});
