// A form with data-confirm asks before it is sent: for actions that cannot be taken back
// (granting, denying, releasing, closing, withdrawing, replacing a status link, revoking a token).
// A button's own data-confirm is asked instead, for a form with two actions (deny, grant in part).
// Without JavaScript the form is sent as before; the server's own checks still apply.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
