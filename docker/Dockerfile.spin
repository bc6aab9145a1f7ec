# A spin's layer on top of the base image ("base" is given by bake as contexts = { base = "target:base" }).
# The "spin" context is prepared by caiged: AGENTS.md, skills/ and the opencode.json it rendered and
# validated, nothing else from the spin folder.
FROM base
ARG SPIN
ARG SPIN_PACKAGES=
USER root
RUN set -eu; \
    if [ -n "$SPIN_PACKAGES" ]; then \
      apt-get update -qq; \
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $SPIN_PACKAGES; \
      apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; \
    fi
USER agent
COPY --from=spin --chown=agent . /home/agent/.config/opencode/
ENV AGENT_SPIN=${SPIN}
