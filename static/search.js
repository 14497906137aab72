// Search-as-you-type: fill the datalist under the search box with entry names (the form works without it).
(function () {
  const box = document.getElementById("q");
  const list = document.getElementById("suggestions");
  if (!box || !list) return;
  let timer = null;
  let last = "";
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = box.value.trim();
      if (!text || text === last) return;
      last = text;
      const response = await fetch(`${box.dataset.suggest}?q=${encodeURIComponent(text)}`);
      if (!response.ok) return;
      const names = await response.json();
      list.replaceChildren(...names.map((name) => Object.assign(document.createElement("option"), { value: name })));
    }, 150);
  });
})();
