// Ask before an irreversible form is sent (Revoke, Stop trusting, Create signing key).
// A form (or the button that submits it) carrying data-confirm="question" is sent only
// after the person agrees; the answer goes with it as confirmed=1, so the server, which
// otherwise shows its own confirmation page (registry/templates/confirm.html), does not
// ask twice. Loaded from a file: the Content-Security-Policy allows no inline script.
"use strict";

document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question =
    (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (!question) {
    return;
  }
  if (!window.confirm(question)) {
    event.preventDefault();
    return;
  }
  var answer = form.querySelector('input[name="confirmed"]');
  if (!answer) {
    answer = document.createElement("input");
    answer.type = "hidden";
    answer.name = "confirmed";
    form.appendChild(answer);
  }
  answer.value = "1";
});
