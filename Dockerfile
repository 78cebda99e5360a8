# Windflow as a container: Bun builds the single executable, which then runs alone on a small
# glibc base as an unprivileged user.
#
#   docker build -t windflow .
#   docker run -d --name windflow -p 5480:5480 \
#     -v /var/run/docker.sock:/var/run/docker.sock \
#     --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v windflow-data:/var/lib/windflow windflow
#
# The user (65532) is not root: it reaches the Docker socket through the socket's group, which
# the host decides, so it is given at run time (--group-add, or group_add in Compose).
# Configuration is by the same WINDFLOW_* variables as everywhere; the state (SQLite database,
# key file) lives in the volume /var/lib/windflow.
# BUILD_IMAGE and BASE_IMAGE may name other images with the same contents (the tests use a
# Debian root made with debootstrap, since no registry is reachable there).

ARG BUILD_IMAGE=oven/bun:1-debian
ARG BASE_IMAGE=debian:12-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
# The build makes the volume browser's helper image from Debian's static busybox.
RUN [ -x /bin/busybox ] || (apt-get update && apt-get install -y --no-install-recommends busybox-static \
    && rm -rf /var/lib/apt/lists/*)
COPY . .
RUN bun run build && mkdir -p /out/data && cp dist/windflow /out/windflow

FROM ${BASE_IMAGE}
COPY --from=build /out/windflow /usr/local/bin/windflow
COPY --from=build --chown=65532:65532 /out/data /var/lib/windflow
ENV WINDFLOW_HOST=0.0.0.0 \
    WINDFLOW_PORT=5480 \
    WINDFLOW_DATA_DIR=/var/lib/windflow \
    WINDFLOW_DOCKER_SOCKET=/var/run/docker.sock
USER 65532:65532
VOLUME /var/lib/windflow
EXPOSE 5480
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/windflow", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/windflow"]
CMD ["serve"]
