# als-bot: one image for every process (serve, scheduler, migrate, tick).
#
#   docker build -t als-bot .
#   docker run --env-file als-bot.env -p 3000:3000 als-bot            # serve on :3000
#   docker run --env-file als-bot.env als-bot migrate                 # any other command
#
# BASE_IMAGE is any Debian-like image with Python 3.11+ and its venv module: python:3.11-slim
# by default; where no registry is reachable, one built from Debian's packages (see
# docs/deployment.md, "Building the image without a registry"). Podman: add --format docker,
# or the HEALTHCHECK below is dropped (OCI images have none).
ARG BASE_IMAGE=python:3.11-slim

# -- build: the package and its dependencies in a virtual environment ----------------------
FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python3 -m venv /opt/als-bot
COPY pyproject.toml README.md LICENSE /src/
COPY bot /src/bot
RUN /opt/als-bot/bin/pip install /src \
    && /opt/als-bot/bin/als-bot --version

# -- run: the same base, the virtual environment, a user without privileges ----------------
FROM ${BASE_IMAGE}
ENV PATH=/opt/als-bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib
RUN useradd --uid 10001 --user-group --home-dir /app --create-home \
        --shell /usr/sbin/nologin als
COPY --from=build /opt/als-bot /opt/als-bot
WORKDIR /app
# als, by number: Kubernetes' runAsNonRoot can check it.
USER 10001:10001
EXPOSE 3000
# GET /healthz answers 200 when the database answers (curl is not in the image: Python is).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["als-bot"]
CMD ["serve"]
