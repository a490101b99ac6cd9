// formcheck serve: behaviour shared by every page (loaded as a file: the CSP allows no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Times are sent in UTC; show them in the visitor's own time zone.
  for (const el of document.querySelectorAll("time[datetime]")) {
    const when = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) {
      el.textContent = when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    }
  }
  // Delete buttons ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
