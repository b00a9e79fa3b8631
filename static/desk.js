// The reviewer desk: zoom buttons for the license photo (it also opens full size by link,
// and the frame scrolls; without this script nothing is lost).
(function () {
  "use strict";
  document.querySelectorAll(".zoom-figure").forEach(function (figure) {
    var image = figure.querySelector("img.zoomable");
    var zoomIn = figure.querySelector(".zoom-in");
    var zoomOut = figure.querySelector(".zoom-out");
    if (!image || !zoomIn || !zoomOut) return;
    var scale = 1;
    function apply() {
      image.style.width = (scale * 100) + "%";
      zoomOut.disabled = scale <= 1;
      zoomIn.disabled = scale >= 4;
      figure.setAttribute("data-zoom", String(scale));
    }
    zoomIn.hidden = false;
    zoomOut.hidden = false;
    zoomIn.addEventListener("click", function () { scale = Math.min(4, scale * 2); apply(); });
    zoomOut.addEventListener("click", function () { scale = Math.max(1, scale / 2); apply(); });
    apply();
  });
})();
