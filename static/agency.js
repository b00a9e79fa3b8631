// The portal's upload with progress: the form is sent by XMLHttpRequest so that a
// <progress> element can show the bytes sent; the page the server answers with (the new
// batch, or the portal with a message) is then opened. Without JavaScript the form posts
// as usual.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var status = document.getElementById("upload-status");
  var bar = document.getElementById("upload-progress");
  var text = document.getElementById("upload-percent");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    status.hidden = false;
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) { return; }
      var percent = Math.round(100 * progress.loaded / progress.total);
      bar.value = percent;
      text.textContent = percent + "%";
    });
    request.addEventListener("load", function () {
      window.location.assign(request.responseURL || form.action);
    });
    request.addEventListener("error", function () {
      form.submit();
    });
    form.querySelector("button[type=submit]").disabled = true;
    request.send(new FormData(form));
  });
})();
