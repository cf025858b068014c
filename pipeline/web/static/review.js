// Keyboard-only review: Enter/a accept, c correct (type, Enter), r reject, j/n next, Esc cancel.
"use strict";
document.documentElement.classList.add("js");
(function () {
  const card = document.getElementById("review");
  if (!card) return;
  const correctForm = document.getElementById("form-correct");
  const correctInput = document.getElementById("correct-value");
  let busy = false;

  function submit(form) {
    if (busy) return;  // one action per page: a held key must not send two reviews
    busy = true;
    form.submit();
  }
  function startCorrect() {
    correctForm.classList.remove("hidden-until-js");
    correctInput.focus();
    correctInput.select();
  }
  function cancelCorrect() {
    correctForm.classList.add("hidden-until-js");
    correctInput.blur();
  }
  document.getElementById("start-correct").addEventListener("click", startCorrect);
  correctForm.addEventListener("submit", (event) => {
    if (busy) { event.preventDefault(); return; }
    busy = true;
  });
  correctInput.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); cancelCorrect(); }
  });
  if (card.dataset.correcting === "true") startCorrect();

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target.closest && target.closest("input, textarea, select")) return;
    // Enter on a focused link or button keeps its usual meaning.
    if (event.key === "Enter" && target.closest && target.closest("a, button")) return;
    switch (event.key) {
      case "Enter": case "a": case "A":
        event.preventDefault(); submit(document.getElementById("form-accept")); break;
      case "c": case "C":
        event.preventDefault(); startCorrect(); break;
      case "r": case "R":
        event.preventDefault(); submit(document.getElementById("form-reject")); break;
      case "j": case "J": case "n": case "N":
        event.preventDefault(); window.location = card.dataset.next; break;
      default:
    }
  });
})();
