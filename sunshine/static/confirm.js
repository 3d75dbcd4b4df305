// A form with data-confirm asks before it is sent: for actions that cannot be taken back
// (granting in full, closing, withdrawing, replacing a status link, revoking a token).
// Without JavaScript the form is sent as before; the server's own checks still apply.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
