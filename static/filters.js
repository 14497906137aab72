// 筛选 on a phone (templates/portal/search.html). Without JavaScript the 筛选 link opens the panel through its
// address (#facets, shown by :target in app.css) and 完成 closes it. With JavaScript the panel becomes Bootstrap's
// offcanvas dialog: a backdrop, focus kept inside while open, Esc closes, focus back on 筛选 afterwards. The
// vendored Bootstrap bundle is used when the page already has it, otherwise loaded once from the panel's
// data-bootstrap address.
(function () {
  const panel = document.getElementById("facets");
  const button = document.getElementById("filter-button");
  if (!panel || !button) return;

  function enhance() {
    if (!window.bootstrap || !window.bootstrap.Offcanvas) return; // the :target panel keeps working
    const offcanvas = window.bootstrap.Offcanvas.getOrCreateInstance(panel);
    button.setAttribute("aria-haspopup", "dialog");
    button.addEventListener("click", (event) => {
      event.preventDefault();
      offcanvas.toggle(button);
    });
    panel.addEventListener("hidden.bs.offcanvas", () => {
      if (button.offsetParent !== null) button.focus();
    });
    if (window.location.hash === "#facets") { // opened before the script ran: the same panel, as a dialog
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
      offcanvas.show(button);
    }
  }

  function ready() {
    if (window.bootstrap) {
      enhance();
      return;
    }
    const script = document.createElement("script");
    script.src = panel.dataset.bootstrap;
    script.addEventListener("load", enhance);
    document.head.append(script);
  }

  // after every deferred script (the page's own Bootstrap, if it loads one, included)
  if (document.readyState === "complete") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
