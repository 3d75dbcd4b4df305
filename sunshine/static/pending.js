// While records are being checked or a packet built, the case page asks the server every 5 seconds
// whether the work is done (a small answer with no personal data, so not an audited view of the
// case), and says so where the wait was announced, with a link to see the result.
// It never reloads the page itself: a timed reload takes away what a custodian was typing and moves
// a screen reader back to the top (WCAG 2.2.1). Without JavaScript the "check again" link remains.
(function () {
  var waiting = document.querySelectorAll("[data-pending]");
  if (!waiting.length) {
    return;
  }
  var timer = window.setInterval(function () {
    fetch(waiting[0].getAttribute("data-pending"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { pending: true }; })
      .then(function (answer) {
        if (answer.pending !== false) {
          return;
        }
        window.clearInterval(timer);
        waiting.forEach(function (status) {
          var link = document.createElement("a");
          link.href = window.location.pathname;
          link.textContent = "Reload the page to see the result";
          status.textContent = "Done. ";
          status.appendChild(link);
          status.appendChild(document.createTextNode("."));
        });
      })
      .catch(function () {});
  }, 5000);
})();
