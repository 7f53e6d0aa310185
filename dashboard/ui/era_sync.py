"""Tell a map that is already in the browser which era to show, without sending the map again.

The Explore map carries every era (see ``dashboard.core.maps.EraSwitch``), so its st_folium
arguments stay byte-identical when the era changes and Streamlit sends only a reference to them.
This tiny component (a few hundred bytes, no iframe) runs in the page after the map and calls the
map frame's ``atlasShowEra``; it also marks the frame so a map still loading starts on that era.
"""
from __future__ import annotations

import streamlit as st

CONTAINER_PREFIX = "atlas_era_sync_"

_JS = """
export default function ({ data }) {
  if (!data || typeof data.box !== "string" || typeof data.era !== "string") return;
  let tries = 0;
  const apply = () => {
    const frame = document.querySelector(".st-key-" + CSS.escape(data.box) + " iframe");
    if (!frame) {
      if (++tries < 200) setTimeout(apply, 50);
      return;
    }
    frame.dataset.atlasEra = data.era;
    try {
      const view = frame.contentWindow;
      if (view && typeof view.atlasShowEra === "function") view.atlasShowEra(data.era);
    } catch (error) { /* not our map: it keeps its own era */ }
  };
  apply();
}
"""

_component = st.components.v2.component("atlas_era_sync", js=_JS)


def show_era(box: str, era: str, map_key: str) -> None:
    """Show ``era`` on the map inside ``st.container(key=box)``; ``map_key`` is its component key.

    Call it after the map, so a map that was just replaced (new language or layers) is the one told.
    """
    with st.container(key=CONTAINER_PREFIX + box):
        _component(data={"box": box, "era": era, "map": map_key}, key=f"era_sync_{box}")
