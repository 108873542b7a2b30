"""Container healthcheck: exit 0 when GET <url> answers 2xx within 4 s.

    python healthcheck.py URL [--scrapyd-auth]

--scrapyd-auth sends SCRAPYD_USERNAME / SCRAPYD_PASSWORD (when set) as basic auth.
"""

import base64
import os
import sys
from urllib.request import Request, urlopen

url = sys.argv[1]
request = Request(url)
username = os.environ.get("SCRAPYD_USERNAME", "")
if "--scrapyd-auth" in sys.argv[2:] and username:
    pair = f"{username}:{os.environ.get('SCRAPYD_PASSWORD', '')}".encode()
    request.add_header("Authorization", "Basic " + base64.b64encode(pair).decode())
try:
    with urlopen(request, timeout=4) as response:
        sys.exit(0 if 200 <= response.status < 300 else 1)
except OSError as error:
    sys.stderr.write(f"healthcheck {url}: {error}\n")
    sys.exit(1)
