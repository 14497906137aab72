// Progressive enhancement of the entry form: show conditional fields only when they apply, and offer only the
// format types / sharing method types of the chosen category. Without JavaScript every field stays visible and
// the server enforces the same rules.
(function () {
  const form = document.getElementById("entry-form");
  if (!form) return;

  function currentValue(name) {
    const fields = form.querySelectorAll(`[name="${name}"]`);
    for (const el of fields) {
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) return el.value; }
      else return el.value;
    }
    return "";
  }

  function applyShowWhen() {
    form.querySelectorAll("[data-show-when]").forEach((box) => {
      const rule = JSON.parse(box.dataset.showWhen);
      const visible = Object.entries(rule).every(([name, values]) => values.includes(currentValue(name)));
      box.hidden = !visible;
    });
  }

  function filterChildren(parentName, childName) {
    const parent = form.querySelector(`[name="${parentName}"]`);
    const child = form.querySelector(`[name="${childName}"]`);
    if (!parent || !child) return;
    const update = () => {
      child.querySelectorAll("option[data-parent]").forEach((opt) => {
        opt.hidden = opt.dataset.parent !== parent.value;
        if (opt.hidden && opt.selected) child.value = "";
      });
    };
    parent.addEventListener("change", update);
    update();
  }

  form.addEventListener("change", applyShowWhen);
  applyShowWhen();
  filterChildren("format_category", "format_type");
  filterChildren("sharing_method_category", "sharing_method_type");
})();
