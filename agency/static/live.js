// Live parts of a page. An element with data-live names an event stream; each element
// with data-refresh (a URL) and data-on ("work" or "call") is fetched again when the
// stream says that its topics changed ("c:…" and "s:…" are work, "call:…" calls, "*"
// and "scope" everything). A fetch sends the tag of what the part shows and keeps it on
// 304. While the stream is down the parts are asked every few seconds instead.
// Every <time data-due> says how long is left (or overdue) as time passes.
(() => {
  "use strict";

  const POLL_MS = 5000;
  const SETTLE_MS = 120; // several changes at once make one fetch

  const parts = () => Array.from(document.querySelectorAll("[data-refresh]"));
  const tags = new WeakMap();
  const busy = new WeakMap();

  async function refresh(part) {
    if (busy.get(part)) {
      busy.set(part, "again");
      return;
    }
    busy.set(part, true);
    try {
      const headers = { Accept: "text/html" };
      if (tags.has(part)) headers["If-None-Match"] = tags.get(part);
      const answer = await fetch(part.dataset.refresh, {
        headers,
        credentials: "same-origin",
        cache: "no-store",
      });
      if (answer.status === 200) {
        const html = await answer.text();
        const tag = answer.headers.get("ETag");
        if (tag) tags.set(part, tag);
        part.innerHTML = html;
        if (window.htmx) window.htmx.process(part);
        sayDue(part);
        part.dispatchEvent(new CustomEvent("live:refreshed", { bubbles: true }));
      } else if (answer.status === 401 || answer.status === 403) {
        window.location.reload();
      }
    } catch (error) {
      // offline for a moment: the next change or poll asks again
    } finally {
      const again = busy.get(part) === "again";
      busy.delete(part);
      if (again) refresh(part);
    }
  }

  const pending = new Set();
  let timer = null;
  function schedule(which) {
    parts()
      .filter((part) => which === "*" || part.dataset.on === which)
      .forEach((part) => pending.add(part));
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      const now = Array.from(pending);
      pending.clear();
      now.forEach(refresh);
    }, SETTLE_MS);
  }

  function changed(topics) {
    for (const topic of topics.split(" ")) {
      if (topic === "*" || topic === "scope") schedule("*");
      else if (topic.startsWith("call:")) schedule("call");
      else schedule("work");
    }
  }

  let polling = null;
  function poll(on) {
    if (on && !polling) polling = setInterval(() => schedule("*"), POLL_MS);
    if (!on && polling) {
      clearInterval(polling);
      polling = null;
    }
  }

  function listen(source) {
    if (!window.EventSource) {
      poll(true);
      return;
    }
    const stream = new EventSource(source.dataset.live);
    let opened = false;
    stream.addEventListener("open", () => {
      if (opened) schedule("*"); // back after a gap: what changed meanwhile
      opened = true;
      source.dataset.state = "open";
      poll(false);
    });
    stream.addEventListener("change", (event) => changed(event.data || "*"));
    stream.addEventListener("error", () => {
      source.dataset.state = stream.readyState === EventSource.CLOSED ? "closed" : "waiting";
      poll(parts().length > 0);
    });
  }

  // How long is left, worded as the server words it (kernel.i18n.duration).
  const words = () => {
    const meta = document.querySelector("meta[name=due-words]");
    return meta ? JSON.parse(meta.content) : null;
  };
  function duration(seconds, locale) {
    let minutes = Math.floor(Math.abs(seconds) / 60);
    const unit = (n, name, display) =>
      new Intl.NumberFormat(locale, { style: "unit", unit: name, unitDisplay: display }).format(n);
    if (minutes >= 2 * 24 * 60) return unit(Math.floor(minutes / (24 * 60)), "day", "long");
    const hours = Math.floor(minutes / 60);
    minutes %= 60;
    const said = unit(minutes, "minute", "short");
    return hours ? `${unit(hours, "hour", "short")} ${said}` : said;
  }
  function sayDue(root) {
    const said = words();
    if (!said) return;
    const locale = document.documentElement.lang || "en";
    root.querySelectorAll("time[data-due]").forEach((element) => {
      const seconds = (Date.parse(element.getAttribute("datetime")) - Date.now()) / 1000;
      const template = seconds >= 0 ? said.in : said.over;
      element.textContent = template.replace("{}", duration(seconds, locale));
      element.classList.toggle("field-error", seconds < 0);
    });
  }

  // A running timer counts up: h:mm:ss since its data-since.
  function countUp() {
    document.querySelectorAll("time[data-since]").forEach((element) => {
      const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(element.dataset.since)) / 1000));
      const pad = (n) => String(n).padStart(2, "0");
      element.textContent = `${Math.floor(seconds / 3600)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const source = document.querySelector("[data-live]");
    if (source) listen(source);
    setInterval(() => sayDue(document), 30000);
    if (document.querySelector("time[data-since]")) setInterval(countUp, 1000);
  });
})();
