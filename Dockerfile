# mw in a container: `docker build -t mw .` then `docker run --rm mw --sandbox run chatwoot/daily-summary`.
# The image holds mw and its offline sandbox. To call the real Membrane CLI, build on top of it
# with Node.js and `npm install -g @membranehq/cli`, and mount the CLI's login (see docs/ci.md).
FROM python:3.12-slim

COPY . /src
RUN pip install --no-cache-dir /src && rm -rf /src

# Runs, journals and the sandbox's world go to .mw/ in the working directory: mount one here.
WORKDIR /work
ENTRYPOINT ["mw"]
CMD ["--help"]
