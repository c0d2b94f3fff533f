// The desk's keyboard shortcuts. A key acts on the page's element with that data-key: a
// button or link is pressed, a text field is focused. "j" and "k" move a mark through the
// queue, "o" opens the marked item, "?" shows the list; keys typed into a field are the
// field's own, except Ctrl+Enter (send what is written) and Escape (leave the field).
document.addEventListener("DOMContentLoaded", () => {
  const help = document.getElementById("shortcuts");
  if (!help) return;
  help.querySelector("[data-close]").addEventListener("click", () => help.close());
  document.querySelectorAll("[data-help]").forEach((link) =>
    link.addEventListener("click", (event) => {
      event.preventDefault();
      help.showModal();
    }),
  );
  let marked = -1;

  const typing = (element) =>
    element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));

  function rows() {
    return Array.from(document.querySelectorAll("#queue tbody tr[data-item]"));
  }

  function mark(step) {
    const all = rows();
    if (!all.length) return;
    marked = Math.max(0, Math.min(all.length - 1, marked + step));
    all.forEach((row, n) => row.classList.toggle("marked", n === marked));
    all[marked].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("live:refreshed", () => {
    marked = Math.min(marked, rows().length - 1);
    if (marked >= 0) mark(0);
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (typing(target)) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
        event.preventDefault();
        target.form.requestSubmit();
      } else if (event.key === "Escape") {
        target.blur();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "?") {
      event.preventDefault();
      if (help.open) help.close();
      else help.showModal();
      return;
    }
    if (help.open) return;
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      mark(event.key === "j" ? 1 : -1);
      return;
    }
    if (event.key === "o") {
      const row = rows()[marked];
      const link = row && row.querySelector("a");
      if (link) {
        event.preventDefault();
        link.click();
      }
      return;
    }
    const element = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
    if (!element) return;
    event.preventDefault();
    if (typing(element)) element.focus();
    else element.click();
  });
});
