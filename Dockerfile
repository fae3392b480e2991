# syntax=docker/dockerfile:1
# Build a static binary (CGO off: SQLite is pure Go), then copy it into an
# empty image with CA certificates and a non-root user, /data as its volume.
# The binary carries its own time zone database (time/tzdata).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/sluis ./cmd/sluis \
 && mkdir -p /out/data \
 && echo 'sluis:x:10001:10001:Sluis:/data:/sbin/nologin' > /out/passwd \
 && echo 'sluis:x:10001:' > /out/group

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/passwd /etc/passwd
COPY --from=build /out/group /etc/group
COPY --from=build /out/sluis /usr/local/bin/sluis
COPY --from=build --chown=10001:10001 /out/data /data
USER 10001:10001
ENV SLUIS_DATA=/data \
    SLUIS_HTTP=:8080 \
    SLUIS_SMTP=:2525
VOLUME ["/data"]
EXPOSE 8080 2525
ENTRYPOINT ["/usr/local/bin/sluis"]
CMD ["serve"]
