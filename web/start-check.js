// Says in a sentence why the page cannot start when its scripts cannot load at all, where no
// module of ours runs to say it. The one classic script of the page, on purpose: a classic
// script is fetched without CORS, so it loads where the modules do not. That is the case of a
// frame sandboxed without allow-same-origin (its origin is opaque, so the site's own modules
// are cross-origin to it) on a host that sends no Access-Control-Allow-Origin.
const main = document.querySelector('script[type="module"][src$="main.js"]');

main?.addEventListener("error", () => {
  const say = () => {
    const status = document.getElementById("status");
    const sandboxed = self.origin === "null";
    status.textContent = sandboxed
      ? "The playground cannot start in this sandboxed frame: the site that serves it must " +
        "send Access-Control-Allow-Origin, or the frame must allow-same-origin."
      : "The playground's files could not be loaded: check the connection, then reload.";
    document.body.dataset.state = "failed";
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", say);
  else say();
});
