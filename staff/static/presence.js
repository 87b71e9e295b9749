// Presence: while a colleague works in an inbox page (keys, clicks, scrolling), tell the server at
// most once a minute, so they count as available; without activity they turn away by themselves.
(() => {
  "use strict";

  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const state = document.getElementById("presence-state");
  let last = 0;

  function active() {
    const now = Date.now();
    if (now - last < 60000) return;
    last = now;
    fetch("/staff/presence/active", {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf },
      credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (data && state && state.dataset.chosen !== "away") {
          state.textContent = data.available ? "verfügbar" : "gleich verfügbar …";
        }
      })
      .catch(() => {});
  }

  for (const type of ["keydown", "pointerdown", "scroll", "focus"]) {
    window.addEventListener(type, active, { passive: true, capture: true });
  }
  // The page's websocket connects a moment after loading; say "active" once it may have.
  setTimeout(active, 1500);
})();
