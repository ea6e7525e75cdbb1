// Submits a form marked data-autosubmit as soon as the page loads (the RP-initiated logout,
// which POSTs the ID token so that it never appears in a URL). Without script the form's own
// button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
})();
