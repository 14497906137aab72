// Progressive enhancement of the entry form: show conditional fields only when they apply, and offer only the
// format types / sharing method types of the chosen category. Without JavaScript every field stays visible and
// the server enforces the same rules. The related-entries picker's search box appears only with JavaScript.
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

  // 关联资源代码: a search box (hidden without JavaScript) whose results, buttons of published entries this user
  // may see, each add “名称（代码）” as a line of the field's box; the server reads and checks the box alike.
  function entryPicker(box) {
    const target = document.getElementById(box.dataset.pickerTarget);
    const input = box.querySelector('input[type="search"]');
    const list = box.querySelector(".picker-results");
    const status = box.querySelector('[aria-live]');
    if (!target || !input || !list) return;
    box.hidden = false;
    let timer = null;
    let asked = "";
    const show = (rows) => {
      list.replaceChildren();
      rows.forEach((row) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-link picker-option";
        button.textContent = `${row.name}（${row.code}）`;
        button.dataset.code = row.code;
        button.addEventListener("click", () => {
          const lines = target.value.split(/\n/).map((l) => l.trim()).filter(Boolean);
          if (!lines.some((l) => l === row.code || l.endsWith(`（${row.code}）`))) lines.push(button.textContent);
          target.value = lines.join("\n");
          status.textContent = `已添加：${button.textContent}`;
          list.replaceChildren();
          input.value = "";
          input.focus();
        });
        li.appendChild(button);
        list.appendChild(li);
      });
      status.textContent = rows.length ? `找到 ${rows.length} 个资源，点击添加` : "没有找到已发布的资源";
    };
    const lookup = () => {
      const q = input.value.trim();
      if (q === asked) return;
      asked = q;
      if (!q) { list.replaceChildren(); status.textContent = ""; return; }
      fetch(`${box.dataset.pickerUrl}?q=${encodeURIComponent(q)}`, {headers: {Accept: "application/json"}})
        .then((r) => (r.ok ? r.json() : []))
        .then((rows) => { if (q === asked) show(rows); })
        .catch(() => { status.textContent = "暂时无法查找，可直接在上面的框中填写名称或代码"; });
    };
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookup, 200); });
    input.addEventListener("keydown", (event) => {   // Enter looks up rather than submitting the form
      if (event.key === "Enter") { event.preventDefault(); clearTimeout(timer); lookup(); }
    });
  }
  form.querySelectorAll("[data-picker-url]").forEach(entryPicker);

  form.addEventListener("change", applyShowWhen);
  applyShowWhen();
  filterChildren("format_category", "format_type");
  filterChildren("sharing_method_category", "sharing_method_type");
})();
