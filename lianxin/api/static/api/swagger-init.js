// Starts Swagger UI with the settings the server put in the page (no inline code, no CDN).
(function () {
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis];
  settings.requestInterceptor = function (request) {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) { request.headers["X-CSRFToken"] = decodeURIComponent(match[1]); }
    return request;
  };
  window.ui = SwaggerUIBundle(settings);
})();
