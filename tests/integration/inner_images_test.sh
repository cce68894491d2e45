#!/usr/bin/env bash
# Builds both inner test images, loads them into Docker, and checks the web app answers on
# 127.0.0.1 and the base has a shell for `podman build`.
source "$(dirname "$0")/lib.sh"
web=rigctl-test/inner-web:it
base=rigctl-test/inner-base:it
"$RIGCTL" build images/inner-web.json --tag "$web" --load >/dev/null
defer docker rmi -f "$web"
"$RIGCTL" build images/inner-base.json --tag "$base" --load >/dev/null
defer docker rmi -f "$base"
size=$(docker image inspect -f '{{.Size}}' "$web")
[ "$size" -lt 10000000 ] || fail "inner web image is $size bytes, expected a few MB"
pass "inner web image is small ($size bytes)"

port=$(free_port)
name=rigctl-it-web-$$
docker run -d --name "$name" -p "127.0.0.1:$port:80" "$web" >/dev/null
defer docker rm -f "$name"
expect_eq "$(http_get "http://127.0.0.1:$port/")" "rigctl-inner-web-ok" "web app serves its body on 127.0.0.1"
expect_eq "$(docker run --rm "$base" sh -c 'echo built-ok > /built && cat /built')" "built-ok" "inner base runs a shell RUN step"
