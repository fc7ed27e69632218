// Drag and drop onto the upload forms: an enhancement only, every form
// works without it (and without JavaScript at all).
document.querySelectorAll("form.upload").forEach(function (form) {
  var input = form.querySelector("input[type=file]");
  if (!input) { return; }
  form.classList.add("droppable");
  ["dragenter", "dragover"].forEach(function (type) {
    form.addEventListener(type, function (e) {
      e.preventDefault();
      form.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    form.addEventListener(type, function () { form.classList.remove("dragging"); });
  });
  form.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length === 1) {
      input.files = e.dataTransfer.files;
      input.focus();
    }
  });
});
