// Keyboard shortcuts of the review queue and confirmations; no framework, nothing fetched.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  const item = document.querySelector("[data-testid=review-item]");
  if (!item) return;
  const correctInput = document.querySelector("[data-testid=review-correct-input]");
  const press = (testid) => {
    const button = document.querySelector(`[data-testid=${testid}]`);
    if (button) button.click();
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (typing) {
      if (event.key === "Escape") document.activeElement.blur();
      return;
    }
    if (event.key === "a") press("review-approve");
    else if (event.key === "r") press("review-reject");
    else if (event.key === "c" && correctInput) {
      event.preventDefault();
      correctInput.closest("form").hidden = false;
      correctInput.focus();
    } else if (event.key === "j" && item.dataset.next) window.location = item.dataset.next;
    else if (event.key === "k" && item.dataset.previous) window.location = item.dataset.previous;
  });
});
