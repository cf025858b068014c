// Drag and drop onto the upload form; the plain file picker keeps working without this file.
"use strict";
document.documentElement.classList.add("js");
(function () {
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("files");
  const list = document.getElementById("file-list");
  if (!zone || !input) return;

  function show(files) {
    list.replaceChildren();
    for (const file of files) {
      const item = document.createElement("li");
      item.textContent = `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)`;
      list.appendChild(item);
    }
  }
  input.addEventListener("change", () => show(input.files));
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add("dragging"); });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    const transfer = new DataTransfer();
    for (const file of input.files) transfer.items.add(file);
    for (const file of event.dataTransfer.files) transfer.items.add(file);
    input.files = transfer.files;
    show(input.files);
  });
  document.getElementById("upload-form").addEventListener("submit", () => {
    const button = document.getElementById("upload-button");
    button.disabled = true;
    button.textContent = "Đang tải lên…";
  });
})();
