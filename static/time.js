// Shows every <time datetime> in the viewer's time zone: the exact local time on hover, and the
// relative text ("3 hours ago") kept current. Without JavaScript the server's UTC text stays.
(function () {
  "use strict";
  var units = [
    ["year", 31536000], ["month", 2592000], ["day", 86400],
    ["hour", 3600], ["minute", 60]
  ];
  var relative = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
  var exact = { dateStyle: "medium", timeStyle: "long" };

  function describe(date) {
    var seconds = (date.getTime() - Date.now()) / 1000;
    if (Math.abs(seconds) < 45 || !relative) {
      return relative ? "just now" : null;
    }
    for (var i = 0; i < units.length; i++) {
      var size = units[i][1];
      if (Math.abs(seconds) >= size || units[i][0] === "minute") {
        return relative.format(Math.round(seconds / size), units[i][0]);
      }
    }
    return null;
  }

  function refresh(root) {
    var times = (root || document).querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) {
        continue;
      }
      el.title = date.toLocaleString(undefined, exact);
      var text = describe(date);
      if (text) {
        el.textContent = text;
      }
    }
  }

  window.ringsideTimes = refresh;
  refresh(document);
  window.setInterval(function () { refresh(document); }, 60000);
})();
