"""A corpus of hostile inputs pushed through every form field, query parameter and upload name.

Each payload is something an attacker (or an unlucky copy and paste) might send: markup and
script that must come back as inert text, SQL that must stay data, paths that must not reach
the file system, header breaks that must not split a response, and text that is simply huge or
strange. ``INJECTION_MARKERS`` lists what must never appear as live markup on a page.
"""

from __future__ import annotations

# -- cross-site scripting and template injection ----------------------------------------------

XSS = (
    "<script>alert('xss-1')</script>",
    '"><script>alert("xss-2")</script>',
    "<img src=x onerror=alert('xss-3')>",
    "<svg onload=alert('xss-4')><circle r=1 /></svg>",
    "<svg><script>alert('xss-5')</script></svg>",
    "javascript:alert('xss-6')",
    "JaVaScRiPt:alert('xss-7')",
    '" autofocus onfocus="alert(\'xss-8\')" x="',
    "' autofocus onfocus='alert(9)' x='",
    "</textarea><script>alert('xss-10')</script>",
    "</title><script>alert('xss-11')</script>",
    "<iframe src=\"javascript:alert('xss-12')\"></iframe>",
    "<a href=\"javascript:alert('xss-13')\">click</a>",
    "<body onload=alert('xss-14')>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-15')>",
    '<base href="//evil.example/">',
    '<meta http-equiv="refresh" content="0;url=//evil.example/">',
    "<style>body{background:url(//evil.example/x)}</style>",
    "<form action=//evil.example/><button>go</button></form>",
    "<!--<script>alert('xss-16')</script>-->",
    "&lt;script&gt;alert('xss-17')&lt;/script&gt;",
)

# Jinja2/format-string style injection: must be shown literally, never evaluated.
TEMPLATE = (
    "{{7*7191}}",
    "{{config.SECRET_KEY}}",
    "{% for x in range(3) %}loop-{{x}}{% endfor %}",
    "${7*7191}",
    "#{7*7191}",
    "%(password)s %s %n {0} {}",
)
#: Text that may only appear on a page if a template payload was evaluated.
TEMPLATE_RESULTS = ("50337", "loop-0", "test-secret-key")

# -- SQL injection -----------------------------------------------------------------------------

SQL = (
    "' OR 1=1--",
    "' OR '1'='1",
    '" OR ""="',
    "1; DROP TABLE users;--",
    "'); DROP TABLE audit_events;--",
    "1' UNION SELECT password_hash, email FROM users--",
    "0 OR 1=1",
    "admin'--",
    "1)) OR pg_sleep(5)--",
    "\\'; SELECT 1; --",
)

# -- path traversal ----------------------------------------------------------------------------

TRAVERSAL = (
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "....//....//etc/passwd",
    "/etc/passwd",
    "..%c0%af..%c0%afetc/passwd",
    "file.txt\x00.png",
    "%00",
)

# -- header injection and response splitting ---------------------------------------------------

HEADER = (
    "x\r\nSet-Cookie: injected=1",
    "x\r\n\r\n<script>alert('split')</script>",
    "x%0d%0aSet-Cookie:%20injected=1",
    "x\nLocation: https://evil.example/",
    "x\u2028\u2029y",
)

# -- size, encoding and unicode tricks --------------------------------------------------------

STRANGE = (
    "A" * 10_000,
    "é" * 3_000,
    "\u202egnp.exe",  # right-to-left override
    "\u200b\u200c\u200d\ufeff",  # zero-width characters
    "\x01\x02\x07\x1b[31m",  # control characters and an ANSI escape
    "😀🏳️‍🌈𝕏",  # astral-plane characters
    "²³",  # digits Python's isdigit accepts but int() does not
    "١٢٣",  # Arabic-Indic digits
    "-1",
    "1e309",
    "NaN",
    "99999999999999999999999999999999",
    "",
    " ",
)

#: Every payload, in a fixed order.
ALL = XSS + TEMPLATE + SQL + TRAVERSAL + HEADER + STRANGE

#: Payloads that can be stored as ordinary text (short enough for any field, no control
#: characters a form might refuse): used to prove text comes back exactly as typed.
STORABLE = (
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-3')>",
    '" autofocus onfocus="alert(\'xss-8\')" x="',
    "</textarea><script>alert('xss-10')</script>",
    "{{7*7191}}",
    "' OR 1=1--",
    "'); DROP TABLE audit_events;--",
    "../../etc/passwd",
)

#: Upload file names.
FILENAMES = (
    "../../../etc/passwd",
    "..\\..\\..\\windows\\system32\\evil.png",
    "/etc/cron.d/evil.png",
    "evil.html",
    "evil.svg",
    "evil.png.html",
    "report\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>.png",
    'quote".png',
    "semi;colon; filename=evil.html",
    "nul\x00byte.html.png",
    "<img src=x onerror=alert(1)>.png",
    "\u202egnp.lmth",
    "ÉÇÀ naïve résumé.png",
    ("long" * 200) + ".png",
    ".htaccess",
    "CON.png",
    "",
)

#: Redirect targets that must never send a signed-in user to another site.
OPEN_REDIRECTS = (
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    " //evil.example/",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/%2F%2Fevil.example/",
    "/\r\nSet-Cookie: injected=1",
    "/tenders/\r\nLocation: https://evil.example/",
    "/" + "a" * 5000,
)

#: The nastiest payloads, each put into every field of a form at once (hidden versions, numbers,
#: dates and choices included): the inputs most likely to reach a parser unprepared.
EVERY_FIELD = (
    "²³",
    "file.txt\x00.png",
    "A" * 10_000,
    "99999999999999999999999999999999",
    "-1",
    "1e309",
    "NaN",
    "x\r\nSet-Cookie: injected=1",
    "' OR 1=1--",
    "<script>alert('xss-1')</script>",
)

#: Spreadsheet formulas: exported cells must never start with one live.
FORMULAS = ('=HYPERLINK("https://evil.example","x")', "+1+1", "-1+1", "@SUM(1+1)")
