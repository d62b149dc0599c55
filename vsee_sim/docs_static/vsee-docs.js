/* vsee-sim's Swagger UI: starts SwaggerUIBundle from the page's JSON config and adds
 * - the namespace chooser: every request carries X-Sim-Namespace (kept in localStorage);
 * - the demo clinic's documented credentials: an operation's x-demo-credentials (security
 *   scheme -> value) are sent for each scheme you have not authorized, so "Try it out"
 *   works with its prefilled values on the demo clinic.
 * No network beyond this server: everything is served from /docs. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("vsee-docs-config").textContent);
  var input = document.getElementById("vsee-namespace-name");
  var STORE = "vsee-sim.docs.namespace";
  var NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

  if (!config.namespace) {
    try { input.value = window.localStorage.getItem(STORE) || ""; } catch (e) { /* private mode */ }
  }
  input.addEventListener("change", function () {
    try { window.localStorage.setItem(STORE, input.value.trim()); } catch (e) { /* private mode */ }
  });
  document.getElementById("vsee-namespace").addEventListener("submit", function (event) {
    event.preventDefault();
  });

  function namespace() {
    var value = input.value.trim();
    return NAME.test(value) ? value : "";
  }

  function hasHeader(headers, name) {
    var wanted = name.toLowerCase();
    return Object.keys(headers).some(function (key) { return key.toLowerCase() === wanted; });
  }

  function templateRegex(template) {
    var pattern = template.split(/(\{[^}]+\})/).map(function (part) {
      if (part === "{path}") { return ".+"; }          // GET /settings/{path}: slashes allowed
      if (/^\{[^}]+\}$/.test(part)) { return "[^/]+"; }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }).join("");
    return new RegExp("^" + pattern + "$");
  }

  function operationOf(spec, request) {
    var path;
    try { path = decodeURIComponent(new URL(request.url, window.location.href).pathname); } catch (e) { return null; }
    var method = (request.method || "get").toLowerCase();
    var paths = spec.paths || {};
    var found = null;
    Object.keys(paths).some(function (template) {
      var op = paths[template][method];
      if (op && templateRegex(template).test(path)) { found = op; }
      return found !== null;
    });
    return found;
  }

  function addDemoCredentials(request) {
    var ui = window.ui;
    if (!ui || !ui.specSelectors) { return; }
    var spec = ui.specSelectors.specJson().toJS();
    var op = operationOf(spec, request);
    var demo = op && op["x-demo-credentials"];
    if (!demo) { return; }
    var schemes = (spec.components || {}).securitySchemes || {};
    var authorized = ui.authSelectors.authorized();
    Object.keys(demo).forEach(function (scheme) {
      var header = schemes[scheme] && schemes[scheme].name;
      if (!header || (authorized && authorized.get(scheme)) || hasHeader(request.headers, header)) { return; }
      request.headers[header] = demo[scheme];
    });
  }

  window.ui = SwaggerUIBundle({
    urls: config.urls,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    requestInterceptor: function (request) {
      request.headers = request.headers || {};
      var ns = namespace();
      if (ns && !hasHeader(request.headers, "X-Sim-Namespace")) { request.headers["X-Sim-Namespace"] = ns; }
      addDemoCredentials(request);
      return request;
    }
  });
}());
