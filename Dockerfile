# seer serve in a container. Build and run:
#   docker build -t seer .
#   docker run -p 8080:8080 -v "$PWD/model.seer:/models/model.seer:ro" seer
# The model comes in as a volume at /models/model.seer; arguments after the image name replace
# the default ones of seer serve (docker run seer /models/m.seer --host 0.0.0.0 --port 9000:
# the HEALTHCHECK then needs the same port, so keep 8080 inside and map it with -p instead).
#
# One stage: the image installs the build dependencies with the repository's own script
# (scripts/install-deps, which make test uses), builds the command and libseer.so, installs them
# under /usr/local and keeps the runtime libraries the script put there (the -dev packages
# stay: they bring the shared libraries, and a second stage would have to list them again).
FROM debian:12

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . /src
RUN scripts/install-deps \
    && rm -rf build \
    && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
    && cmake --build build -j"$(nproc)" --target seer_cli seer_shared \
    && cmake --install build --prefix /usr/local \
    && ldconfig \
    && rm -rf /src/build /var/lib/apt/lists/*

RUN useradd --system --no-create-home seer
USER seer
WORKDIR /
ENV OMP_WAIT_POLICY=passive
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# Read-only by default: online learning needs a writable --wal directory (a second volume)
# and a --token-file; give them as the arguments to turn it on.
ENTRYPOINT ["seer", "serve"]
CMD ["/models/model.seer", "--host", "0.0.0.0", "--port", "8080", "--read-only"]
