# The hotline IVR: `ivr serve` (FastAGI + web/API). Built by docker-compose.yml.
FROM python:3.11-slim-bookworm

# espeak-ng renders prompts (pyttsx3); sox converts them to the 8 kHz audio Asterisk plays.
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng sox \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /var/lib/hotline hotline
WORKDIR /opt/hotline

# Dependencies first, so editing flows or code does not reinstall them.
COPY pyproject.toml README.md ./
COPY ivr ./ivr
RUN pip install --no-cache-dir .

COPY flows ./flows
COPY prompts ./prompts

USER hotline
ENV IVR_DATA_DIR=/var/lib/hotline \
    IVR_FLOWS_DIR=/opt/hotline/flows \
    IVR_PROMPTS_DIR=/opt/hotline/prompts
EXPOSE 4573 8080
# Migrate, then serve: both are safe to repeat on every start.
CMD ["sh", "-c", "ivr db upgrade && exec ivr serve"]
