/*
 * Follow-up CRM website tracking. One tag on every page:
 *   <script async src="https://CRM/t/track.js" data-site="SITE_KEY"></script>
 * Optional: data-cookie-domain="example.com" to share the visitor id across subdomains.
 *
 * Records a page view on load and the time the page was visible when it is hidden,
 * and exposes
 *   crmTrack("cart_add", {cart_id, value, product, currency})
 *   crmTrack("checkout_started", {cart_id, value, currency})
 *   crmTrack("purchase", {cart_id, value, product, currency})
 *   crmTrack("content_download", {content: "white-paper-2026"})
 *   crmTrack("app_event", {name: "project_created"})   (in a web app: what the person did)
 *   crmTrack("page_view")                 (single-page apps, after a route change)
 *   crmTrack.identify({email, phone, first_name, last_name, company, country})
 *   crmTrack.visitorId()                  (for a hidden field in your forms)
 * Calls made before the script loaded are queued by this stub:
 *   window.crmTrack = window.crmTrack || function () { (crmTrack.q = crmTrack.q || []).push(arguments); };
 *
 * Only the path of a page is sent (no query string, no fragment), plus the
 * referring host, utm_source/medium/campaign, and a referral code (?ref=) or an
 * email-link token (?crm=) on the landing page. The visitor id is random and
 * first-party: a cookie on this site's own domain (1 year, SameSite=Lax) with a
 * localStorage copy.
 */
(function (w, d) {
  "use strict";
  var stub = w.crmTrack;
  if ((stub && stub.loaded) || !w.JSON || !w.crypto || !w.crypto.getRandomValues || !w.URL) return;
  var script = d.currentScript || d.querySelector('script[data-site][src*="/t/track.js"]');
  if (!script || !script.getAttribute("data-site")) return;

  var SITE = script.getAttribute("data-site");
  var ENDPOINT = new URL(script.src, w.location.href).origin + "/t/collect";
  var COOKIE = "_crm_vid";
  var ID = /^[A-Za-z0-9_-]{16,64}$/;
  var LIMITS = {
    cart_id: 100, product: 200, content: 200, currency: 3, name: 100, email: 254, phone: 64,
    first_name: 100, last_name: 100, company: 200, country: 60
  };
  var FIELDS = {
    cart_add: ["cart_id", "value", "product", "currency"],
    checkout_started: ["cart_id", "value", "currency"],
    purchase: ["cart_id", "value", "product", "currency"],
    content_download: ["content"],
    app_event: ["name"],
    identify: ["email", "phone", "first_name", "last_name", "company", "country"]
  };

  function newId() {
    var bytes = new Uint8Array(16), id = "";
    w.crypto.getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) id += (bytes[i] + 256).toString(16).slice(1);
    return id;
  }

  function stored(value) {
    try {
      if (value) w.localStorage.setItem(COOKIE, value);
      return w.localStorage.getItem(COOKIE);
    } catch (e) {
      return null; // storage blocked: the cookie alone keeps the id
    }
  }

  function visitorId() {
    var match = d.cookie.match(/(?:^|;\s*)_crm_vid=([A-Za-z0-9_-]+)/);
    var id = match ? match[1] : stored();
    if (!id || !ID.test(id)) id = newId();
    var domain = script.getAttribute("data-cookie-domain");
    d.cookie = COOKIE + "=" + id + "; Max-Age=31536000; Path=/; SameSite=Lax" +
      (domain ? "; Domain=" + domain : "") +
      (w.location.protocol === "https:" ? "; Secure" : "");
    stored(id);
    return id;
  }

  var uid = visitorId();

  function send(fields) {
    fields.site = SITE;
    fields.uid = uid;
    fields.eid = newId();
    // text/plain is a simple request for CORS: no preflight, and it survives unload.
    var body = JSON.stringify(fields);
    try {
      if (w.navigator.sendBeacon && w.navigator.sendBeacon(ENDPOINT, body)) return fields.eid;
    } catch (e) { /* fall back to fetch */ }
    if (w.fetch) {
      w.fetch(ENDPOINT, {
        method: "POST", body: body, keepalive: true, credentials: "omit",
        headers: {"Content-Type": "text/plain"}
      })["catch"](function () {});
    }
    return fields.eid;
  }

  function pick(data, names, into) {
    for (var i = 0; i < names.length; i++) {
      var name = names[i], value = data[name];
      if (value === undefined || value === null || value === "") continue;
      if (name === "value") {
        value = Math.round(Number(value) * 100) / 100;
        if (!isFinite(value)) continue;
      } else {
        value = String(value).slice(0, LIMITS[name]);
      }
      into[name] = value;
    }
    return into;
  }

  var page = null, visibleSince = null, visibleMs = 0, sentSeconds = 0;

  function timeFlush() {
    if (!page) return;
    if (visibleSince !== null) {
      visibleMs += Date.now() - visibleSince;
      visibleSince = null;
    }
    var seconds = Math.min(Math.round(visibleMs / 1000), 86400);
    if (seconds > sentSeconds) {
      sentSeconds = seconds;
      send({kind: "page_time", page: page, seconds: seconds});
    }
  }

  function landingParams(url, fields) {
    var ref = url.searchParams.get("ref"), token = url.searchParams.get("crm");
    if (ref && /^[A-Za-z0-9_-]{1,20}$/.test(ref)) fields.ref = ref;
    if (token && /^[A-Za-z0-9_:.-]{1,300}$/.test(token)) {
      fields.crm = token;
      // The token names a person: keep it out of bookmarks and shared links.
      url.searchParams["delete"]("crm");
      try {
        w.history.replaceState(w.history.state, "", url.pathname + url.search + url.hash);
      } catch (e) { /* history not writable */ }
    }
    ["utm_source", "utm_medium", "utm_campaign"].forEach(function (name) {
      var value = url.searchParams.get(name);
      if (value) fields[name] = value.slice(0, 100);
    });
  }

  function pageView() {
    timeFlush();
    var url = new URL(w.location.href);
    var fields = {kind: "page_view", path: url.pathname.slice(0, 500), title: d.title.slice(0, 200)};
    try {
      var from = d.referrer ? new URL(d.referrer).hostname : "";
      if (from && from !== url.hostname) fields.referrer = from;
    } catch (e) { /* no usable referrer */ }
    if (!page) landingParams(url, fields);
    page = send(fields);
    visibleMs = 0;
    sentSeconds = 0;
    visibleSince = d.visibilityState === "hidden" ? null : Date.now();
  }

  function track(kind, data) {
    if (kind === "page_view") return pageView();
    if (kind === "identify") return track.identify(data);
    if (!FIELDS[kind]) return;
    send(pick(data || {}, FIELDS[kind], {kind: kind, path: w.location.pathname.slice(0, 500)}));
  }
  track.identify = function (data) {
    send(pick(data || {}, FIELDS.identify, {kind: "identify"}));
  };
  track.visitorId = function () { return uid; };
  track.loaded = true;

  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState === "hidden") timeFlush();
    else if (visibleSince === null) visibleSince = Date.now();
  });
  w.addEventListener("pagehide", timeFlush);

  w.crmTrack = track;
  pageView();
  var queued = (stub && stub.q) || [];
  for (var i = 0; i < queued.length; i++) track.apply(null, queued[i]);
})(window, document);
