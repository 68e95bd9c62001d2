# paperbot image: `docker build -t paperbot .` (docs/operations.md, "Docker").
# It runs with no config at all: `docker run --rm paperbot digest --source sample`.
# Its data (the default SQLite file, ./paperbot.db) lives in the volume /var/lib/paperbot.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

# A fixed uid and gid, so a bind-mounted data folder can be chown'ed to match (10001).
RUN groupadd --system --gid 10001 paperbot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/paperbot paperbot \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/paperbot
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip install .

# The working directory is the data volume, owned by the image's user: the default
# database_url, sqlite:///paperbot.db, is a file there. A named volume starts as a copy of
# this folder, ownership included. A config file is optional: mount one and name it with
# PAPERBOT_CONFIG (docker-compose.yml does), or give --config.
WORKDIR /var/lib/paperbot
VOLUME ["/var/lib/paperbot"]
USER 10001:10001
ENTRYPOINT ["paperbot"]
CMD ["run"]
