// While records are being checked or a packet built, the case page asks the server every 5 seconds
// whether the work is done, and says so where the wait was announced, with a link to see the result.
// It never reloads the page itself: a timed reload takes away what a custodian was typing and moves
// a screen reader back to the top (WCAG 2.2.1). Without JavaScript the "check again" link remains.
(function () {
  var waiting = document.querySelectorAll("[data-pending]");
  if (!waiting.length) {
    return;
  }
  var timer = window.setInterval(function () {
    fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html || html.indexOf("data-pending") !== -1) {
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
