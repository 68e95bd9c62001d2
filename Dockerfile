# paperbot worker image: `docker build -t paperbot .` (see README, "Scaling out").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 10001 paperbot
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip install .

USER paperbot
# The config file is mounted at /etc/paperbot/paperbot.toml; secrets come from the environment.
ENV PAPERBOT_CONFIG=/etc/paperbot/paperbot.toml
ENTRYPOINT ["paperbot"]
CMD ["run"]
