// While records are being checked or a packet built, the case page asks the server whether the work
// is done (a small answer with no personal data, so not an audited view of the case), keeps a
// packet's page count current, and says when it is done, with a link to see the result.
// It never reloads the page itself: a timed reload takes away what a custodian was typing and moves
// a screen reader back to the top (WCAG 2.2.1). Without JavaScript the "check again" link remains.
(function () {
  var waiting = document.querySelectorAll("[data-pending]");
  if (!waiting.length) {
    return;
  }
  var url = waiting[0].getAttribute("data-pending");
  var every = 5000;
  var slowest = 60000;

  // Only the words change: the link stays the same element, so focus on it is kept.
  function say(text, linkText) {
    waiting.forEach(function (status) {
      var words = status.querySelector("[data-pending-text]");
      var link = status.querySelector("a");
      if (words) {
        words.textContent = text;
      }
      if (link) {
        link.textContent = linkText;
      }
    });
  }

  function ask() {
    // A signed-out session is redirected to the sign-in page: that is an answer, not a page to read.
    fetch(url, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.type === "opaqueredirect" || [401, 403, 404].indexOf(response.status) !== -1) {
          say("Could not check whether it is done; you may need to sign in again.", "Reload the page");
          return;
        }
        if (!response.ok) {
          throw new Error("busy"); // a busy or failing server: ask again, less often
        }
        return response.json().then(function (answer) {
          if (answer.pending === false) {
            say("Done.", "Reload the page to see the result");
            return;
          }
          Object.keys(answer.progress || {}).forEach(function (id) {
            var count = document.querySelector('[data-progress="' + id + '"]');
            if (count) {
              count.textContent = answer.progress[id];
            }
          });
          every = 5000;
          window.setTimeout(ask, every);
        });
      })
      .catch(function () {
        every = Math.min(every * 2, slowest);
        window.setTimeout(ask, every);
      });
  }

  window.setTimeout(ask, every);
})();
