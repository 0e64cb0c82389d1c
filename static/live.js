// Keeps a live run page current: the server sends the page's live section again after every
// update of the run (server-sent events); without JavaScript the page refreshes itself instead.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !live.dataset.liveSrc || !window.EventSource) {
    return;
  }
  var source = new EventSource(live.dataset.liveSrc);
  function replace(event) {
    if (event.data) {
      live.innerHTML = event.data;
      if (window.ringsideTimes) {
        window.ringsideTimes(live);
      }
    }
  }
  source.addEventListener("update", replace);
  source.addEventListener("done", function (event) {
    replace(event);
    live.dataset.live = "done";
    source.close();
  });
  source.addEventListener("gone", function () {
    source.close();
  });
})();
