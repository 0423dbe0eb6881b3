// Slipway's own name parts, written for this project: sea-going adjectives and the surnames of
// navigators, shipwrights, hydrographers, oceanographers, lighthouse builders and sailors.

export const ADJECTIVES: readonly string[] = [
  "abyssal", "anchored", "arctic", "ashore", "azure", "balmy", "ballasted", "barnacled", "beaming", "becalmed",
  "billowing", "blustery", "bracing", "brackish", "breezy", "briny", "brisk", "buoyant", "canny", "coastal",
  "coral", "cresting", "dauntless", "deft", "dockside", "doughty", "drifting", "drydocked", "dusky", "eastbound",
  "ebbing", "fleet", "foamy", "fogbound", "gleaming", "glinting", "gusty", "hale", "harbored", "hardy",
  "hearty", "hoisted", "hushed", "inbound", "keeled", "landward", "leeward", "littoral", "lofty", "lucky",
  "marine", "maritime", "mellow", "misty", "moored", "nautical", "nimble", "northbound", "oceanic", "offshore",
  "outbound", "patient", "pelagic", "plucky", "polar", "portside", "quiet", "radiant", "rapid", "restless",
  "rigged", "rolling", "roving", "rugged", "salty", "sandy", "seaborne", "seafaring", "seaworthy", "sheltered",
  "shimmering", "shipshape", "silvery", "sleek", "southbound", "spry", "stalwart", "starboard", "steadfast", "steady",
  "stormy", "stout", "sturdy", "sunlit", "surging", "swift", "tarred", "tidal", "tranquil", "trim",
  "trusty", "undaunted", "unfurled", "voyaging", "wandering", "watchful", "wavy", "weathered", "westbound", "windswept",
  "windward", "wily",
];

export const SURNAMES: readonly string[] = [
  "agassiz", "ainslie", "alden", "amundsen", "andrews", "anson", "baffin", "ballard", "barents", "barton",
  "bascom", "bass", "battuta", "beaufort", "beebe", "beechey", "behaim", "belcher", "bellingshausen", "bering",
  "bigelow", "biscoe", "bjerknes", "blaeu", "blake", "bligh", "bombard", "bougainville", "brunel", "burgess",
  "byrd", "cabot", "cabral", "cammas", "cammell", "cantino", "cartier", "cavendish", "champlain", "chapman",
  "chichester", "chirikov", "cochrane", "colas", "collingwood", "columbus", "conner", "cook", "cousteau", "crowninshield",
  "dalrymple", "dampier", "darling", "deane", "decatur", "defant", "denny", "desjoyeaux", "dias", "douglass",
  "doxford", "drake", "dumont", "duquesne", "earle", "ekman", "elcano", "elvstrom", "ericsson", "eriksson",
  "farragut", "fife", "fitzroy", "flinders", "forbes", "fresnel", "frobisher", "froude", "fulton", "gabart",
  "gama", "gerbault", "gibbs", "giles", "griffiths", "halpin", "hanno", "harland", "hawke", "heemskerck",
  "heezen", "helland", "herreshoff", "heyerdahl", "higgins", "hjort", "holland", "hondius", "houtman", "howe",
  "hudson", "humboldt", "hurd", "idrisi", "ingstad", "iselin", "janszoon", "jervis", "joyon", "kaiser",
  "kerguelen", "kersauson", "kotzebue", "krusenstern", "laird", "lapworth", "laperouse", "lazarev", "linschoten", "macarthur",
  "malaspina", "maury", "mawson", "mcclure", "mckay", "mercator", "moitessier", "munk", "murray", "mylne",
  "nansen", "nares", "nelson", "nicholson", "nimitz", "nordenskiold", "ortelius", "owen", "palmer", "parry",
  "parsons", "peary", "pett", "peyron", "piccard", "pidgeon", "pytheas", "raleigh", "reis", "revelle",
  "riou", "rodney", "ross", "rossby", "rudyerd", "russell", "ruyter", "scheidt", "scott", "shackleton",
  "slocum", "smeaton", "sparkman", "stephens", "stevenson", "stommel", "suffren", "sunsin", "surcouf", "sverdrup",
  "tabarly", "tasman", "thornycroft", "togo", "tromp", "vancouver", "verrazzano", "vespucci", "vickers", "voss",
  "waldseemuller", "walsh", "watson", "weddell", "wharton", "wilkes", "winstanley", "wolff", "wrangel", "wust",
  "yarrow", "zheng", "hornblower", "knoxjohnston", "bertrand", "dalton", "jeanbart", "barbarossa", "hood", "kidd",
];
