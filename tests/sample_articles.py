"""Articles the web page, PDF and `add` tests read: a blog post as a saved web page, and the
lines of a two-page PDF report (written with tests/pdf_files.py)."""

TIDE_POOLS_PAGE = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<title>How Tide Pools Survive Winter | Coastal Notes</title>
<link rel="canonical" href="https://coastal.example.org/2024/tide-pools-winter">
<meta property="og:site_name" content="Coastal Notes">
<meta name="author" content="Maria Lindqvist">
<meta property="article:published_time" content="2024-01-15T08:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/subscribe">Subscribe to the newsletter</a></nav>
<article>
<h1>How Tide Pools Survive Winter</h1>
<p>Tide pools look empty in January, but most of their residents are still there. Anemones pull
in their tentacles and wait out the cold under a film of mucus.</p>
<h2>Where the crabs go</h2>
<p>Shore crabs move down into the <em>subtidal zone</em>, where the water temperature changes more
slowly than the air above the rocks. Some bury themselves in the sand until March.</p>
<ul><li>Anemones stay put and close up.</li><li>Crabs move to deeper water.</li></ul>
<p>Barnacles simply close their plates &amp; seal in a little seawater, which keeps them from
freezing for several days.</p>
</article>
<footer>Copyright 2024 Coastal Notes. All rights reserved. Sign up for our weekly newsletter.</footer>
</body></html>
"""

REPORT_PAGES = [
    [
        "Harbour Water Quality 2023",
        "The harbour was sampled every week from March to October at twelve stations",
        "along the eastern shore, always at high tide and at a depth of one metre.",
        "1",
    ],
    [
        "Nitrate levels rose after the heavy rains of August, when the storm drains",
        "carried runoff from the farms upstream straight into the inner harbour.",
        "2",
    ],
]
