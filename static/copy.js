// Copy buttons (复制代码): a <button data-copy="#selector" data-status="#selector" hidden> copies the text of the
// element it names to the clipboard. Without JavaScript, or without a clipboard, the button stays hidden and the
// text stays selectable.
(function () {
  "use strict";
  function wire(button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    var status = document.querySelector(button.getAttribute("data-status"));
    if (!source || !navigator.clipboard || !window.isSecureContext) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        if (status) { status.textContent = "已复制"; }
      }, function () {
        if (status) { status.textContent = "未能复制，请选中代码后手动复制"; }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(wire);
  });
}());
