# Built by `make docker`, which first cross-compiles the binary into
# .build/linux-<arch>/slokeeper (the layout promu crossbuild produces) and then
# runs `docker build`. It needs a Docker engine; none runs on dev machines, so
# this file is exercised in release CI only.
ARG ARCH="amd64"
ARG OS="linux"
FROM quay.io/prometheus/busybox-${OS}-${ARCH}:latest
LABEL maintainer="The slokeeper Authors"
LABEL org.opencontainers.image.title="slokeeper" \
      org.opencontainers.image.description="Multi-window multi-burn-rate SLO rule generator and evaluator" \
      org.opencontainers.image.source="https://github.com/slokeeper/slokeeper" \
      org.opencontainers.image.licenses="Apache-2.0"

# ARGs declared before FROM are out of scope after it; declare them again.
ARG ARCH="amd64"
ARG OS="linux"
COPY .build/${OS}-${ARCH}/slokeeper /bin/slokeeper
COPY examples/                      /etc/slokeeper/examples/
COPY LICENSE                        /LICENSE

USER       nobody
EXPOSE     9099
ENTRYPOINT [ "/bin/slokeeper" ]
CMD        [ "run", "--demo" ]
