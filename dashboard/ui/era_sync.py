"""Tell a map that is already in the browser which era to show, without sending the map again.

The Explore map carries every era (see ``dashboard.core.maps.EraSwitch``), so its st_folium
arguments stay byte-identical when the era changes and Streamlit sends only a reference to them.
This tiny component (a few hundred bytes, no iframe) runs in the page after the map and calls the
map frame's ``atlasShowEra`` (and ``atlasShowView`` for the story's views); it also marks the frame so
a map still loading starts on that era and view. Asked to, it also reports when the map has drawn its
first shapes (see ``dashboard.ui.state.map_first_pass``).

Given the era slider, it follows the slider in the browser: the moment the slider moves, the map,
every block sent in a version per era (``dashboard.core.figures.era_panels``: legend, key figures,
share link) and the address bar show the new era. The server only hears of the choice (a rerun of
the slider's own fragment) and has nothing to redraw.
"""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

CONTAINER_PREFIX = "atlas_era_sync_"
DRAWN_EVENT = "drawn"
REPORT_AFTER_MS = 4000  # reports anyway after this long (a map that failed must not hold the page back)

_JS = """
// Show the slider's era the moment the slider moves, before the server hears of it: on the map, in
// every block that has a version per era (data-atlas-era-panel), and in the address bar.
// The slider is a range input whose value is the index of the chosen option (options = data.eras).
// Tell the map frame its era (and view): now if it is ready, or when it starts (it reads the marks).
function showOnMap(frame, era, view) {
  frame.dataset.atlasEra = era;
  if (view) frame.dataset.atlasView = view.join(",");
  try {
    const map = frame.contentWindow;
    if (map && typeof map.atlasShowEra === "function") map.atlasShowEra(era);
    if (map && view && typeof map.atlasShowView === "function") map.atlasShowView(view[0], view[1], view[2]);
  } catch (error) { /* not our map: it keeps its own era */ }
}

function showPanels(era) {
  for (const panel of document.querySelectorAll("[data-atlas-era-panel]")) {
    panel.hidden = panel.getAttribute("data-atlas-era-panel") !== era;
  }
}

function showInAddress(url, era) {
  if (!url || typeof url.param !== "string") return;
  const address = new URL(window.location.href);
  if (era === url.default) address.searchParams.delete(url.param);
  else address.searchParams.set(url.param, era);
  if (address.href !== window.location.href) window.history.replaceState(window.history.state, "", address.href);
}

function follow(sliderKey, eras, findFrame, url, tries = 0) {
  const root = document.querySelector(".st-key-" + CSS.escape(sliderKey));
  if (!root) {  // the slider may be drawn a moment after this element
    if (tries < 100) setTimeout(() => follow(sliderKey, eras, findFrame, url, tries + 1), 50);
    return;
  }
  root.atlasFollow = { eras: eras, findFrame: findFrame, url: url };  // the latest call's eras, map and URL
  if (root.atlasObserver) return;
  let shown = null;
  root.atlasObserver = new MutationObserver(() => {
    const input = root.querySelector('input[type="range"]');
    const era = input ? root.atlasFollow.eras[Number(input.value)] : undefined;
    if (typeof era !== "string" || era === shown) return;
    shown = era;
    // In a task of its own, right after the one that moved the slider: the slider sends its new value
    // to the server first, and the page redraws while the server works.
    setTimeout(() => {
      if (era !== shown) return;  // the slider has moved on
      showPanels(era);
      showInAddress(root.atlasFollow.url, era);
      const frame = root.atlasFollow.findFrame();
      if (frame) showOnMap(frame, era, null);
    }, 0);
  });
  root.atlasObserver.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
}

export default function ({ data, setTriggerValue }) {
  if (!data || typeof data.box !== "string" || typeof data.era !== "string") return;
  const findFrame = () => document.querySelector(".st-key-" + CSS.escape(data.box) + " iframe");
  let tries = 0;
  const apply = () => {
    const frame = findFrame();
    if (!frame) {
      if (++tries < 200) setTimeout(apply, 50);
      return;
    }
    showOnMap(frame, data.era, Array.isArray(data.view) && data.view.length === 3 ? data.view.map(Number) : null);
  };
  apply();
  if (typeof data.slider === "string" && Array.isArray(data.eras)) follow(data.slider, data.eras, findFrame, data.url);
  if (data.report) {
    const started = Date.now();
    const watch = () => {
      let drawn = false;
      try {
        const doc = findFrame()?.contentDocument;
        drawn = !!(doc && doc.querySelector(".leaflet-map-pane svg path"));
      } catch (error) { /* not readable: wait for the time limit */ }
      if (drawn || Date.now() - started > REPORT_AFTER_MS) setTriggerValue("DRAWN_EVENT", true);
      else setTimeout(watch, 25);
    };
    watch();
  }
}
""".replace("REPORT_AFTER_MS", str(REPORT_AFTER_MS)).replace("DRAWN_EVENT", DRAWN_EVENT)

_component = st.components.v2.component("atlas_era_sync", js=_JS)


def show_era(box: str, era: str, map_key: str, view: tuple[float, float, int] | None = None,
             on_drawn: Callable[[], None] | None = None, slider: tuple[str, list[str]] | None = None,
             url: tuple[str, str] | None = None) -> None:
    """Show ``era`` on the map inside ``st.container(key=box)``; ``map_key`` identifies that map.

    ``view`` (lat, lng, zoom) also moves the map there (the guided story); without it the reader's own
    pan and zoom stay. Call it after the map, so a map just replaced (new language or layers) is told.
    ``on_drawn`` runs (before a rerun) once the browser has drawn the map's first shapes.
    ``slider``: (widget key, its options) of the era slider: the browser follows it at once, without
    waiting for the server: the map, every block built with ``core.figures.era_panels``, and, given
    ``url`` = (query parameter, default era), the address bar (the parameter is left out for the default).
    """
    data: dict[str, object] = {"box": box, "era": era, "map": map_key}
    if view is not None:
        data["view"] = [float(view[0]), float(view[1]), int(view[2])]
    if slider is not None:
        data["slider"], data["eras"] = slider[0], list(slider[1])
    if url is not None:
        data["url"] = {"param": url[0], "default": url[1]}
    callbacks = {}
    if on_drawn is not None:
        data["report"] = True
        callbacks[f"on_{DRAWN_EVENT}_change"] = on_drawn
    with st.container(key=CONTAINER_PREFIX + box):
        _component(data=data, key=f"era_sync_{box}", **callbacks)
