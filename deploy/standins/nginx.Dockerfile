# A stand-in for the official nginx:stable image, for deploy/e2e.sh on machines that cannot pull
# it (no registry): Debian 12's nginx on the local python:3.11-slim stand-in, started as the
# official image starts it: /etc/nginx/templates/*.template rendered into /etc/nginx/conf.d with
# the variables set in the environment (envsubst), then nginx in the foreground.
FROM python:3.11-slim
# hadolint ignore=DL3008
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends nginx-light gettext-base \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
COPY nginx-entrypoint.sh /usr/local/bin/nginx-entrypoint.sh
EXPOSE 80
STOPSIGNAL SIGQUIT
ENTRYPOINT ["sh", "/usr/local/bin/nginx-entrypoint.sh"]
CMD ["nginx", "-g", "daemon off;"]
