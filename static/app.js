// Progressive enhancements; every page works without them.
// - Destructive actions: links to a confirm page open the same question in a <dialog>.
// - Copy buttons copy a field's text (share links).
// - Wide tables that scroll sideways say so.
// - Transcript timestamps seek the recording.
// Listeners sit on the document so that parts re-sent over SSE (the live run page) keep them.
(function () {
  "use strict";

  function confirmDialog(link) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-question");
    var question = document.createElement("p");
    question.id = "confirm-question";
    question.textContent = link.dataset.question;
    var form = document.createElement("form");
    form.method = "post";
    form.action = link.getAttribute("href");
    form.className = "confirm-actions";
    var csrf = document.createElement("input");
    csrf.type = "hidden";
    csrf.name = "csrf_token";
    csrf.value = link.dataset.csrf;
    var yes = document.createElement("button");
    yes.type = "submit";
    yes.className = "danger";
    yes.textContent = link.dataset.button || "Confirm";
    var no = document.createElement("button");
    no.type = "button";
    no.className = "secondary";
    no.textContent = "Keep it";
    no.addEventListener("click", function () { dialog.close(); });
    form.append(csrf, yes, no);
    dialog.append(question, form);
    dialog.addEventListener("close", function () { dialog.remove(); });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.confirm-link");
    if (link && link.dataset.csrf && window.HTMLDialogElement) {
      event.preventDefault();
      confirmDialog(link);
      return;
    }
    var copy = event.target.closest && event.target.closest("button.copy-button");
    if (copy) {
      var field = document.getElementById(copy.dataset.copy);
      var status = document.querySelector(".copy-status");
      var done = function (message) { if (status) { status.textContent = message; } };
      if (field && navigator.clipboard) {
        navigator.clipboard.writeText(field.value).then(
          function () { done("Copied."); },
          function () { field.select(); done("Press Ctrl+C (⌘C) to copy the selected link."); });
      } else if (field) {
        field.select();
        done("Press Ctrl+C (⌘C) to copy the selected link.");
      }
      return;
    }
    var seek = event.target.closest && event.target.closest("[data-seek]");
    if (seek) {
      var audio = document.getElementById("recording");
      if (audio) {
        event.preventDefault();
        audio.currentTime = parseFloat(seek.dataset.seek) || 0;
        audio.play().catch(function () {});
      }
    }
  });

  function markScrolling() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var hint = wrap.previousElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = "This table is wider than the screen: scroll sideways to see all of it.";
        wrap.before(hint);
      }
      hint.classList.toggle("shown", wrap.scrollWidth > wrap.clientWidth + 1);
    });
  }

  document.querySelectorAll(".copy-button").forEach(function (button) { button.hidden = false; });
  markScrolling();
  window.addEventListener("resize", markScrolling);
})();
