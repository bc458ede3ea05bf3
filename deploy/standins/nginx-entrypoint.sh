#!/bin/sh
# The official nginx image's templates, as deploy/compose.scaled.yml uses them: each
# /etc/nginx/templates/NAME.template becomes /etc/nginx/conf.d/NAME with only the variables set
# in the environment replaced (nginx's own $host and the like are left alone).
set -eu
defined=$(env | cut -d= -f1 | sed 's/^/${/; s/$/}/' | tr '\n' ' ')
for template in /etc/nginx/templates/*.template; do
  [ -f "$template" ] || continue
  output=/etc/nginx/conf.d/$(basename "$template" .template)
  envsubst "$defined" <"$template" >"$output"
  echo "nginx stand-in: $template -> $output"
done
exec "$@"
