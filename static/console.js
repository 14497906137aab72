/* The work console's side menu (templates/base.html): a <details> that app.css shows open on a desk and
   collapses behind 菜单 on a phone. This keeps its open state in step with the window's width, for browsers
   without ::details-content, and closes the user menu on Escape or a click elsewhere. Without JavaScript the
   menu still works: 菜单 opens it. */
(function () {
  "use strict";
  var menu = document.getElementById("console-menu");
  var user = document.getElementById("console-user");
  var desk = window.matchMedia("(min-width: 992px)");

  function follow() {
    if (menu) { menu.open = desk.matches; }
  }
  follow();
  if (desk.addEventListener) { desk.addEventListener("change", follow); }

  if (user) {
    document.addEventListener("click", function (event) {
      if (user.open && !user.contains(event.target)) { user.open = false; }
    });
    user.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && user.open) {
        user.open = false;
        user.querySelector("summary").focus();
      }
    });
  }
}());
