# The carsensor platform's images: one Dockerfile, one target per service.
#   api        FastAPI on :8000 (also runs the one-shot `migrate` service)
#   scheduler  python -m crawler.scheduler
#   scrapyd    scrapyd on :6800 with the crawler egg deployed at build time
#   bot        python -m bot (the Telegram bot)
#   fakes      the bundled carsensor replay site (and the compose smoke test's fake Bot API)
#   web        nginx on :8080 serving the built web app and proxying /api to the API
# docker-compose.yml builds each with `target:`. Plain Docker works too:
#   docker build --target api -t carsensor-api .
# Classic-builder compatible (no BuildKit-only syntax). Every base is a pinned tag.

# ---------------------------------------------------------------------------------------------
# python: the shared base, a non-root user and the project's core dependencies.
FROM python:3.11-slim AS python
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --create-home app
WORKDIR /app
# Only pyproject.toml: `pip install .[extra]` then brings the dependencies alone (no package
# directory is there yet), so a code change does not reinstall them. The code itself is copied
# later into /app, which `python -m` and uvicorn import from.
COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info
COPY docker/healthcheck.py /usr/local/bin/healthcheck.py

# ---------------------------------------------------------------------------------------------
FROM python AS api
RUN pip install ".[api]" && rm -rf build *.egg-info
COPY alembic.ini ./
COPY migrations migrations
COPY core core
COPY api api
# The signing key's folder (compose mounts the `signing-key` volume here; it takes its owner and
# mode from the image): the migrate service creates the key in it, the API reads it.
RUN mkdir -p /run/carsensor && chown app:app /run/carsensor && chmod 700 /run/carsensor
ENV SECRET_KEY_FILE=/run/carsensor/secret_key
USER app
EXPOSE 8000
# X-Forwarded-For (the client address sign-in throttling counts) is believed only from the
# proxies in FORWARDED_ALLOW_IPS: compose sets it to nginx's network; from any other peer the
# header is ignored. --no-access-log: the API logs each request itself, as JSON.
CMD ["sh", "-c", "exec uvicorn api.main:app --host 0.0.0.0 --port 8000 --no-access-log --proxy-headers --forwarded-allow-ips \"${FORWARDED_ALLOW_IPS:-127.0.0.1}\""]

# ---------------------------------------------------------------------------------------------
# The scheduler needs only the core dependencies (it talks to scrapyd over HTTP).
FROM python AS scheduler
COPY core core
COPY crawler crawler
USER app
CMD ["python", "-m", "crawler.scheduler"]

# ---------------------------------------------------------------------------------------------
# scrapy-playwright (the crawler extra) is only used with CARSENSOR_PLAYWRIGHT=1, which also needs
# a browser: by default the image leaves both out (165 MB less); --build-arg PLAYWRIGHT=1 keeps
# the package and installs Debian's chromium (PLAYWRIGHT_EXECUTABLE_PATH=/usr/bin/chromium).
FROM python AS crawler
ARG PLAYWRIGHT=0
RUN pip install ".[crawler,scrapyd]" && rm -rf build *.egg-info \
    && if [ "$PLAYWRIGHT" = 1 ]; then \
         apt-get update && apt-get install -y --no-install-recommends chromium libatomic1 \
         && rm -rf /var/lib/apt/lists/*; \
       else pip uninstall -y -q scrapy-playwright playwright; fi

# The egg (core + crawler, Scrapy's settings entry point), built by scrapyd-deploy as the local
# run does; only the .egg file leaves this stage.
FROM crawler AS egg
# Marks build-only stages, whose leftover images `docker image prune --filter label=...` finds.
LABEL carsensor-platform.build-stage=egg
COPY scrapy.cfg ./
COPY core core
COPY crawler crawler
# Its version is the build time, as scrapyd-deploy names its uploads: a later upload wins.
RUN mkdir -p /tmp/eggs/carsensor \
    && scrapyd-deploy --build-egg "/tmp/eggs/carsensor/$(date -u +%s).egg"

# scrapyd's FilesystemEggStorage reads eggs_dir/<project>/<version>.egg and runs the newest
# version. eggs_dir (/opt/scrapyd/eggs) lives in the image, outside the state volume
# (/var/lib/scrapyd: job database and logs), so a rebuilt image deploys the new crawler.
FROM crawler AS scrapyd
COPY scrapyd.conf /etc/scrapyd/scrapyd.conf
COPY docker/scrapyd.conf /etc/scrapyd/conf.d/000-docker
COPY --from=egg /tmp/eggs /opt/scrapyd/eggs
RUN mkdir -p /var/lib/scrapyd && chown -R app:app /var/lib/scrapyd /opt/scrapyd/eggs
WORKDIR /var/lib/scrapyd
USER app
ENV SCRAPYD_BIND_ADDRESS=0.0.0.0
EXPOSE 6800
CMD ["scrapyd"]

# ---------------------------------------------------------------------------------------------
FROM python AS bot
RUN pip install ".[bot]" && rm -rf build *.egg-info
COPY core core
COPY bot bot
USER app
CMD ["python", "-m", "bot"]

# ---------------------------------------------------------------------------------------------
# Test doubles, standard library only: the carsensor replay site (compose profile `offline`) and
# the minimal Bot API the compose smoke test points the bot at.
FROM python:3.11-slim AS fakes
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --create-home app
WORKDIR /app
# Only the replay package's stdlib modules: its Bot API and OpenAI fakes need aiohttp.
COPY replay/__init__.py replay/__main__.py replay/site.py replay/
COPY tests/compose/fake_telegram.py tests/compose/fake_telegram.py
USER app
EXPOSE 8081
CMD ["python", "-m", "replay", "--host", "0.0.0.0", "--port", "8081"]

# ---------------------------------------------------------------------------------------------
# The web app: built with Node, served by nginx (as the unprivileged nginx user, on :8080).
FROM node:20-slim AS web-build
LABEL carsensor-platform.build-stage=web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
# npm 11 may reject a lockfile that npm 10 accepts (web/README.md).
RUN npm ci --no-audit --no-fund || npx -y npm@10 ci --no-audit --no-fund
COPY web ./
RUN npm run build

FROM nginx:1.27-alpine AS web
COPY docker/nginx.conf /etc/nginx/nginx.conf
COPY --from=web-build /web/dist /usr/share/nginx/html
USER nginx
EXPOSE 8080
CMD ["nginx", "-g", "daemon off;"]
