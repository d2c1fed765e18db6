// A page on the shop for tests/crm/tracking/test_track_js.py: a cookie jar,
// localStorage, history, sendBeacon that records what it is given, and a clock
// that moves only when told. Reads {site, url, cookie, snippet} on stdin, runs
// the snippet and a visit, prints what the page sent.
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
let now = 1773154800000;
Date.now = () => now;
const beacons = [], listeners = {}, storage = {};
let cookie = input.cookie || "";
const on = (target) => (type, fn) => { (listeners[target + type] ||= []).push(fn); };
const fire = (target, type) => (listeners[target + type] || []).forEach((fn) => fn());
const document = {
  currentScript: {
    src: "https://crm.example.com/t/track.js",
    getAttribute: (name) => (name === "data-site" ? input.site : null),
  },
  get cookie() { return cookie; },
  set cookie(value) { cookie = value.split(";")[0]; },
  title: "Pricing | Shop",
  referrer: "https://news.example.org/some/article?id=1",
  visibilityState: "visible",
  addEventListener: on("document:"),
  querySelector: () => null,
};
const location = new URL(input.url);
const window = {
  location: location,
  history: {
    state: null,
    replaceState: (state, title, url) => { location.href = new URL(url, location.href).href; },
  },
  navigator: {
    sendBeacon: (url, body) => { beacons.push({url, body: JSON.parse(body)}); return true; },
  },
  crypto: require("crypto").webcrypto,
  URL: URL,
  JSON: JSON,
  localStorage: {getItem: (k) => storage[k] || null, setItem: (k, v) => { storage[k] = String(v); }},
  addEventListener: on("window:"),
  crmTrack: function () { (window.crmTrack.q = window.crmTrack.q || []).push(arguments); },
};
window.crmTrack("cart_add", {cart_id: "c1", value: 19.99 * 3, product: "Boots", colour: "red"});
new Function("window", "document", fs.readFileSync(input.snippet, "utf8"))(window, document);
window.crmTrack("content_download", {content: "white-paper-2026"});
window.crmTrack("app_event", {name: "project_created", plan: "pro"});
window.crmTrack("nonsense", {x: 1});
now += 42000;
document.visibilityState = "hidden"; fire("document:", "visibilitychange");
fire("window:", "pagehide");
window.crmTrack.identify({email: "ben@example.com", first_name: "Ben", password: "never sent"});
console.log(JSON.stringify({beacons, href: location.href, cookie, storage, uid: window.crmTrack.visitorId()}));
