#!/usr/bin/env bash
# Tributary's bundled alarm notifier. Called by health with netdata 1.37's arguments
# (roles host unique_id alarm_id event_id when name chart family status old_status value
# old_value source duration non_clear_duration units info value_string old_value_string
# calc_expression calc_param_values total_warnings total_critical warn_alarms crit_alarms
# classification edit_command child_machine_guid), so netdata's own alarm-notify.sh can
# replace it unchanged.
#
# It logs one line per alarm to stderr (the agent's error log) and, when a webhook URL is set
# (env ALARM_NOTIFY_WEBHOOK_URL, or WEBHOOK_URL= in health_alarm_notify.conf of the user or
# stock config directory), POSTs the alarm as JSON with curl. Exit 0 = notification sent.

roles="${1}" host="${2}" unique_id="${3}" alarm_id="${4}" event_id="${5}" when="${6}"
name="${7}" chart="${8}" family="${9}" status="${10}" old_status="${11}" value="${12}"
old_value="${13}" src="${14}" duration="${15}" non_clear_duration="${16}" units="${17}"
info="${18}" value_string="${19}" old_value_string="${20}" child_machine_guid="${29}"

log() { echo >&2 "$(date '+%Y-%m-%d %H:%M:%S'): alarm-notify.sh: ${1}: ${2}"; }

if [ "${status}" != "WARNING" ] && [ "${status}" != "CRITICAL" ] && [ "${status}" != "CLEAR" ]; then
  log INFO "not sending notification for ${status} of '${host}.${chart}.${name}'"
  exit 1
fi

WEBHOOK_URL=
for conf in "${NETDATA_STOCK_CONFIG_DIR}/health_alarm_notify.conf" "${NETDATA_USER_CONFIG_DIR}/health_alarm_notify.conf"; do
  # only the WEBHOOK_URL line is read: the file may be netdata's, written for another script
  [ -f "${conf}" ] && line="$(grep -E '^WEBHOOK_URL=' "${conf}" | tail -n 1)" && [ -n "${line}" ] &&
    WEBHOOK_URL="${line#WEBHOOK_URL=}" && WEBHOOK_URL="${WEBHOOK_URL//\"/}"
done
WEBHOOK_URL="${ALARM_NOTIFY_WEBHOOK_URL:-${WEBHOOK_URL}}"

log INFO "alarm '${host}.${chart}.${name}' (${family}) is ${status} (was ${old_status}), value ${value_string} (was ${old_value_string}), to '${roles}', unique id ${unique_id}, alarm id ${alarm_id}, event ${event_id}, at ${when}${child_machine_guid:+, child ${child_machine_guid}}: ${info}"

[ -z "${WEBHOOK_URL}" ] && exit 0

json_escape() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/ }"; printf '%s' "${s}"; }

payload="{\"host\":\"$(json_escape "${host}")\",\"chart\":\"$(json_escape "${chart}")\",\"family\":\"$(json_escape "${family}")\",\"name\":\"$(json_escape "${name}")\",\"status\":\"${status}\",\"old_status\":\"${old_status}\",\"value\":\"$(json_escape "${value}")\",\"value_string\":\"$(json_escape "${value_string}")\",\"units\":\"$(json_escape "${units}")\",\"info\":\"$(json_escape "${info}")\",\"roles\":\"$(json_escape "${roles}")\",\"when\":${when:-0},\"unique_id\":${unique_id:-0},\"alarm_id\":${alarm_id:-0},\"event_id\":${event_id:-0},\"duration\":${duration:-0},\"non_clear_duration\":${non_clear_duration:-0},\"source\":\"$(json_escape "${src}")\",\"child_machine_guid\":\"$(json_escape "${child_machine_guid}")\"}"

if ! command -v curl >/dev/null 2>&1; then
  log ERROR "cannot find curl; not posting alarm '${host}.${chart}.${name}' to the webhook"
  exit 1
fi

code="$(curl --silent --show-error --max-time 10 --output /dev/null --write-out '%{http_code}' \
  -H 'Content-Type: application/json' --data "${payload}" "${WEBHOOK_URL}")"
if [ "${code}" -ge 200 ] 2>/dev/null && [ "${code}" -lt 300 ]; then
  log INFO "posted alarm '${host}.${chart}.${name}' status ${status} to the webhook (HTTP ${code})"
  exit 0
fi
log ERROR "webhook answered HTTP ${code} for alarm '${host}.${chart}.${name}' status ${status}"
exit 1
