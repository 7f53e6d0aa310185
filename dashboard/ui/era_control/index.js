// The Atlas's one owner of the era in the browser (a Streamlit components.v2 element).
//
// It draws the era control itself (a labelled radio group per "track": Explore has one, Compare two)
// and a Play button, and when the reader picks an era it shows it at once, before the server hears
// of it: on the map (the map frame's window.atlasShowEra, see dashboard/core/maps.py EraSwitch), in
// the blocks sent in a version per era (data-atlas-era-panel), in the address bar and in the share
// link. Then it reports the choice to Python as a state value. Mounted without tracks it only keeps
// the address bar equal to the view (history.replaceState: no history entry of its own), tells a
// story map its era and view, or reports that the map was drawn.
//
// A failure is never swallowed: a map frame it cannot reach (another origin) is reported in the
// console and to Python (state value "problem"), which then sends the era with the map instead.

const PANEL = "data-atlas-era-panel";
const SHARE = "data-atlas-share-link";
const SESSION_KEY = "atlas.session";
const REPORT_DRAWN_AFTER_MS = 4000;   // a map that failed to draw must not hold the page back
const FIND_MAP_TRIES = 200;            // x 50 ms
const CONFIRM_WAIT_MS = 3000;          // how long a choice sent to the server outranks older data

const instances = new WeakMap();       // parentElement -> instance

function reducedMotion() {
  return typeof window.matchMedia === "function" && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

function problem(code, detail, setStateValue) {
  console.error(`Atlas era control: ${code}`, detail || "");
  if (setStateValue) setStateValue("problem", code);
}

// --- the address bar and the share link -------------------------------------------------------

function queryString(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined) search.append(name, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

function showInAddress(params) {
  const search = queryString(params);
  if (search !== window.location.search) {
    const url = window.location.pathname + search + window.location.hash;
    window.history.replaceState(window.history.state, "", url);
  }
  for (const link of document.querySelectorAll(`[${SHARE}]`)) {
    if (link.textContent !== window.location.href) link.textContent = window.location.href;
  }
}

function redirect(target) {
  // An old link (/?page=compare): open the page at its own address, replacing this history entry.
  const base = window.location.pathname.endsWith("/") ? window.location.pathname : window.location.pathname + "/";
  const path = target.page ? base + encodeURIComponent(target.page) : base;
  window.location.replace(path + queryString(target.params) + window.location.hash);
}

// A new server session in a tab that had one (a reload, or the server restarted): say what was lost.
function checkSession(session, setTriggerValue) {
  let before = null;
  try {
    before = JSON.parse(window.sessionStorage.getItem(SESSION_KEY) || "null");
  } catch (error) {
    console.warn("Atlas: cannot read this tab's session note", error);
  }
  try {
    window.sessionStorage.setItem(SESSION_KEY, JSON.stringify({ id: session.id, losable: session.losable || [] }));
  } catch (error) {
    console.warn("Atlas: cannot keep this tab's session note", error);
  }
  if (before && before.id !== session.id && Array.isArray(before.losable) && before.losable.length
      && !session.told) {
    setTriggerValue("previous_session", before.losable.map(String));
  }
}

// --- the map --------------------------------------------------------------------------------

function eraAttribute(side) {
  return side && side !== "main" ? `data-atlas-era-${side}` : "data-atlas-era";
}

function findFrame(box) {
  return box ? document.querySelector(`.st-key-${CSS.escape(box)} iframe`) : null;
}

// Tell the map in container `box` to show `era` on `side` (and move to `view`); a map still loading
// reads the frame's marks when it starts. Returns false when the frame cannot be reached.
function tellMap(frame, side, era, view) {
  if (frame.contentDocument === null) {  // another origin: its window is closed to us
    frame.removeAttribute(eraAttribute(side));  // and a mark left here must not outrank the server's era
    frame.removeAttribute("data-atlas-view");
    return false;
  }
  frame.setAttribute(eraAttribute(side), era);
  if (view) frame.setAttribute("data-atlas-view", view.join(","));
  const map = frame.contentWindow;
  if (map && typeof map.atlasShowEra === "function") map.atlasShowEra(era, side);
  if (map && view && typeof map.atlasShowView === "function") map.atlasShowView(view[0], view[1], view[2]);
  return true;
}

// --- one mounted element --------------------------------------------------------------------

class EraElement {
  constructor(root) {
    this.root = root;
    this.values = {};        // track name -> era shown
    this.fromServer = {};    // track name -> era the server last sent (shown as data-server-era)
    this.pending = {};       // track name -> {era, at}: sent to the server, not yet confirmed
    this.playing = null;     // {track, timer}
    this.signature = null;
    this.frameTries = 0;
    this.failed = false;
  }

  update(component) {
    const { data } = component;
    this.data = data;
    this.setStateValue = component.setStateValue;
    this.setTriggerValue = component.setTriggerValue;
    if (data.redirect) { redirect(data.redirect); return; }
    if (data.session) checkSession(data.session, this.setTriggerValue);
    const tracks = Array.isArray(data.tracks) ? data.tracks : [];
    for (const track of tracks) this.accept(track);
    if (tracks.length) this.render();
    if (data.address) showInAddress(this.address());
    this.showPanels();
    this.applyToMap(0);
    if (data.report_drawn) this.watchDrawn(Date.now());
  }

  // The server's value, unless the reader's newer choice is still on its way to the server.
  accept(track) {
    this.fromServer[track.name] = track.value;
    const pending = this.pending[track.name];
    if (pending && pending.era !== track.value && Date.now() - pending.at < CONFIRM_WAIT_MS) return;
    delete this.pending[track.name];
    this.values[track.name] = track.value;
  }

  address() {
    const params = Object.assign({}, this.data.address.params);
    for (const track of this.data.tracks || []) {
      if (!track.param) continue;
      const era = this.values[track.name];
      if (era === track.default) delete params[track.param];
      else params[track.param] = era;
    }
    // keep the server's order of parameters: rebuild in the order it gave, new ones at their place
    const ordered = {};
    for (const name of this.data.address.order || Object.keys(params)) {
      if (name in params) ordered[name] = params[name];
    }
    for (const name of Object.keys(params)) if (!(name in ordered)) ordered[name] = params[name];
    return ordered;
  }

  showPanels() {
    const track = (this.data.tracks || []).find((t) => t.panels);
    if (!track) return;
    const era = this.values[track.name];
    for (const panel of document.querySelectorAll(`[${PANEL}]`)) {
      const hidden = panel.getAttribute(PANEL) !== era;
      if (panel.hidden !== hidden) panel.hidden = hidden;
    }
  }

  shownOnMap() {
    const shown = [];
    for (const track of this.data.tracks || []) {
      if (track.side) shown.push([track.side, this.values[track.name]]);
    }
    if (this.data.map && this.data.map.era) shown.push([this.data.map.side || "main", this.data.map.era]);
    return shown;
  }

  // Tell the map what to show after `delay` ms (the map may be drawn a moment after this element).
  applyToMap(delay) {
    const target = this.data.map;
    if (!target || !target.box || this.failed) return;
    clearTimeout(this.mapTimer);
    this.mapTimer = setTimeout(() => this.applyToMapNow(), delay);
  }

  // Tell the map now, in the same task as the reader's choice (so before the choice is sent to the
  // server and before any answer can arrive); a frame not there yet is looked for again shortly.
  applyToMapNow() {
    const target = this.data.map;
    if (!target || !target.box || this.failed) return;
    clearTimeout(this.mapTimer);
    const frame = findFrame(target.box);
    if (!frame) {
      if (++this.frameTries < FIND_MAP_TRIES) this.applyToMap(50);
      else problem("map_frame_missing", target.box, null);
      return;
    }
    this.frameTries = 0;
    this.watchFrame(target.box, frame);
    const view = Array.isArray(target.view) && target.view.length === 3 ? target.view.map(Number) : null;
    let reached = true;
    for (const [side, era] of this.shownOnMap()) reached = tellMap(frame, side, era, view) && reached;
    if (!reached) {
      this.failed = true;
      problem("map_frame_not_same_origin", frame.src, this.setStateValue);
    }
  }

  // A map sent again (new layers, a story step with other layers) may come in a new frame: tell it too.
  watchFrame(box, frame) {
    if (this.watchedFrame === frame) return;
    this.watchedFrame = frame;
    frame.addEventListener("load", () => this.applyToMap(0));
    if (this.boxObserver) this.boxObserver.disconnect();
    const container = document.querySelector(`.st-key-${CSS.escape(box)}`);
    if (!container) return;
    this.boxObserver = new MutationObserver(() => {
      if (findFrame(box) !== this.watchedFrame) this.applyToMap(0);
    });
    this.boxObserver.observe(container, { childList: true, subtree: true });
  }

  watchDrawn(started) {
    if (this.drawnWatch) return;
    this.drawnWatch = true;
    const watch = () => {
      const frame = findFrame(this.data.map && this.data.map.box);
      const doc = frame ? frame.contentDocument : null;
      const drawn = !!(doc && doc.querySelector(".leaflet-map-pane svg path"));
      if (drawn || Date.now() - started > REPORT_DRAWN_AFTER_MS) {
        if (!drawn) console.warn("Atlas: the map did not report drawn shapes in time; showing the page anyway");
        this.setTriggerValue("drawn", true);
      } else {
        setTimeout(watch, 25);
      }
    };
    watch();
  }

  // --- the reader's choice -----------------------------------------------------------------

  choose(trackName, era, fromPlay) {
    if (!fromPlay) this.stop();
    if (this.values[trackName] === era) return;
    this.values[trackName] = era;
    this.pending[trackName] = { era, at: Date.now() };
    this.render();
    this.showPanels();
    this.applyToMapNow();
    if (this.data.address) showInAddress(this.address());
    this.setStateValue(trackName, era);  // last: everything the reader sees changed before the server hears
  }

  eraIds() {
    return (this.data.eras || []).map((e) => e.id);
  }

  // Play: each era after the one shown (Compare: after the left-hand era) with a pause on each,
  // stopping at the last. With reduced motion each press shows the next era and nothing moves alone.
  togglePlay() {
    if (this.playing) { this.stop(); return; }
    const play = this.data.play;
    const ids = this.eraIds();
    const first = play.after ? ids.indexOf(this.values[play.after]) + 1 : 0;
    let index = ids.indexOf(this.values[play.track]);
    if (first >= ids.length) return;
    index = index + 1 >= ids.length || index < first ? first : index + 1;
    this.choose(play.track, ids[index], true);
    this.announce(ids[index]);
    if (reducedMotion() || index + 1 >= ids.length) { this.render(); return; }
    this.playing = { track: play.track };
    this.render();
    this.scheduleNext();
  }

  scheduleNext() {
    const play = this.data.play;
    this.playing.timer = setTimeout(() => {
      if (!this.playing) return;
      const ids = this.eraIds();
      const index = ids.indexOf(this.values[play.track]) + 1;
      if (index >= ids.length) { this.stop(); return; }
      this.choose(play.track, ids[index], true);
      this.announce(ids[index]);
      if (index + 1 >= ids.length) this.stop();
      else this.scheduleNext();
    }, Math.max(200, Number(play.pause_ms) || 1600));
  }

  stop() {
    if (!this.playing) return;
    clearTimeout(this.playing.timer);
    this.playing = null;
    this.render();
  }

  announce(era) {
    const live = this.root.querySelector(".era-live");
    const option = (this.data.eras || []).find((e) => e.id === era);
    if (live && option) live.textContent = option.label;
  }

  // --- drawing the control ---------------------------------------------------------------

  render() {
    const data = this.data;
    const tracks = data.tracks || [];
    const signature = JSON.stringify([data.eras, tracks.map((t) => [t.name, t.label]), data.play, data.strings]);
    if (signature !== this.signature) this.build(tracks);
    this.signature = signature;
    for (const track of tracks) {
      const group = this.root.querySelector(`[data-track="${CSS.escape(track.name)}"]`);
      // the server has heard of a choice once it sends it back (tests wait for this attribute)
      if (group && track.name in this.fromServer) group.dataset.serverEra = this.fromServer[track.name];
      for (const option of this.root.querySelectorAll(`[data-track="${CSS.escape(track.name)}"] [role="radio"]`)) {
        const checked = option.dataset.era === this.values[track.name];
        option.setAttribute("aria-checked", String(checked));
        option.tabIndex = checked ? 0 : -1;
      }
    }
    const button = this.root.querySelector(".era-play");
    if (button && data.play) {
      const strings = data.strings || {};
      const label = this.playing ? strings.pause : reducedMotion() ? strings.step : strings.play;
      button.querySelector(".era-play-text").textContent = label;
      button.querySelector(".era-play-icon").textContent = this.playing ? "\u23F8\uFE0E" : "\u25B6\uFE0E";
      button.setAttribute("aria-label", label);
      const ids = this.eraIds();
      button.disabled = !!data.play.after && ids.indexOf(this.values[data.play.after]) + 1 >= ids.length;
    }
  }

  build(tracks) {
    const data = this.data;
    let box = this.root.querySelector(".era-control");
    if (box) box.remove();
    box = document.createElement("div");
    box.className = "era-control" + (tracks.length > 1 ? " era-control-pair" : "");
    tracks.forEach((track, number) => {
      const group = document.createElement("div");
      group.className = "era-track";
      group.dataset.track = track.name;
      const label = document.createElement("div");
      label.className = "era-label";
      label.id = `era-label-${track.name}-${Math.random().toString(36).slice(2, 8)}`;
      label.textContent = track.label;
      const radios = document.createElement("div");
      radios.className = "era-options";
      radios.setAttribute("role", "radiogroup");
      radios.setAttribute("aria-labelledby", label.id);
      for (const era of data.eras || []) {
        const option = document.createElement("button");
        option.type = "button";
        option.className = "era-option";
        option.setAttribute("role", "radio");
        option.dataset.era = era.id;
        option.textContent = era.label;
        option.addEventListener("click", () => this.choose(track.name, era.id, false));
        radios.appendChild(option);
      }
      radios.addEventListener("keydown", (event) => this.onKey(event, track.name, radios));
      const row = document.createElement("div");
      row.className = "era-row";
      row.appendChild(radios);
      if (data.play && data.play.track === track.name) row.appendChild(this.playButton());
      group.appendChild(label);
      group.appendChild(row);
      box.appendChild(group);
      if (number === 0 && tracks.length > 1) group.classList.add("era-track-first");
    });
    const live = document.createElement("div");
    live.className = "era-live";
    live.setAttribute("aria-live", "polite");
    box.appendChild(live);
    this.root.appendChild(box);
  }

  playButton() {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "era-play";
    const icon = document.createElement("span");
    icon.className = "era-play-icon";
    icon.setAttribute("aria-hidden", "true");
    const text = document.createElement("span");
    text.className = "era-play-text";
    button.append(icon, text);
    if (this.data.strings && this.data.strings.play_help) button.title = this.data.strings.play_help;
    button.addEventListener("click", () => this.togglePlay());
    return button;
  }

  // Arrow keys move and choose, Home and End go to the first and last era (a radio group's keys).
  onKey(event, trackName, radios) {
    const ids = this.eraIds();
    const index = ids.indexOf(this.values[trackName]);
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    let next = null;
    if (event.key in moves) next = Math.min(ids.length - 1, Math.max(0, index + moves[event.key]));
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = ids.length - 1;
    if (next === null) return;
    event.preventDefault();
    this.choose(trackName, ids[next], false);
    const option = radios.querySelector(`[data-era="${CSS.escape(ids[next])}"]`);
    if (option) option.focus();
  }

  destroy() {
    this.stop();
    clearTimeout(this.mapTimer);
    if (this.boxObserver) this.boxObserver.disconnect();
  }
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data || typeof data !== "object") {
    problem("no_data", data, null);
    return undefined;
  }
  let element = instances.get(parentElement);
  if (!element) {
    element = new EraElement(parentElement);
    instances.set(parentElement, element);
  }
  element.update(component);
  return () => element.destroy();
}
