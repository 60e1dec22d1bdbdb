#!/usr/bin/env bash
# Posts N random orders to the sample service, CHUNK lines per request, resending the
# rest of a chunk after a 429 (the service took only the first "accepted" lines).
#   ./load.sh [N] [--bad]      --bad: about 1 line in 100 is malformed or invalid
# Environment: URL (default http://localhost:8080/orders), CHUNK (default 500).
set -euo pipefail

n=${1:-10000}
bad=false
[[ "${2:-}" == "--bad" || "${1:-}" == "--bad" ]] && bad=true
[[ "$n" == "--bad" ]] && n=10000
url=${URL:-http://localhost:8080/orders}
chunk=${CHUNK:-500}
currencies=(EUR USD GBP CHF JPY SEK)
run=$(date +%s)-$$
file=$(mktemp)
trap 'rm -f "$file" "$file.part" "$file.body"' EXIT

for ((i = 0; i < n; i++)); do
  if $bad && ((RANDOM % 100 == 0)); then
    case $((RANDOM % 3)) in
      0) echo "{\"id\":\"o-$run-$i\", this is not json" ;;
      1) echo "{\"id\":\"o-$run-$i\",\"customer\":\"c-1\",\"amount\":\"-5\",\"currency\":\"EUR\"}" ;;
      *) echo "{\"id\":\"o-$run-$i\",\"customer\":\"c-1\",\"amount\":\"5\",\"currency\":\"XXX\"}" ;;
    esac
  else
    printf '{"id":"o-%s-%d","customer":"c-%d","amount":"%d.%02d","currency":"%s"}\n' \
      "$run" "$i" $((RANDOM % 500)) $((RANDOM % 1000 + 1)) $((RANDOM % 100)) "${currencies[RANDOM % 6]}"
  fi
done > "$file"

total=0
for ((from = 1; from <= n; from += chunk)); do
  sed -n "${from},$((from + chunk - 1))p" "$file" > "$file.part"
  while [[ -s "$file.part" ]]; do
    status=$(curl -s -o "$file.body" -w '%{http_code}' -X POST -H 'Content-Type: application/x-ndjson' \
      --data-binary @"$file.part" "$url" || true)
    accepted=$(grep -o '"accepted":[0-9]*' "$file.body" | cut -d: -f2 || true)
    accepted=${accepted:-0}
    total=$((total + accepted))
    case $status in
      202) break ;;
      429) tail -n +$((accepted + 1)) "$file.part" > "$file.body" && mv "$file.body" "$file.part"; sleep 0.2 ;;
      *) echo "POST $url answered $status: $(cat "$file.body")" >&2; exit 1 ;;
    esac
  done
done
echo "posted $n orders, $total accepted"
