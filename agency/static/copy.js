// "Copy" buttons: data-copy names the id of the field whose value goes to the clipboard;
// data-copied is what the button says once it did.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.dataset.copy);
  if (!field) return;
  var done = function () { button.textContent = button.dataset.copied || button.textContent; };
  var byHand = function () {
    field.select();
    if (document.execCommand("copy")) done();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, byHand);
  } else {
    byHand();
  }
});
