#!/usr/bin/env bash
# tests/report/run.sh: the return report ('rendement', issue 18) on the demo data,
# as people see it.
#
#   1. A database of its own with the schema and every file of sql/demo/ loaded, and
#      a triadd on it.
#   2. `triad report return --programme MiZ --json` as an operator: the figures match
#      the hand computation written out below (Fontys MiZ, seed 003).
#   3. The same as Zorggroep Denkbeeldig's employer contact: its own figures only,
#      counting only the participants who consented.
#   4. Debian's chromium renders the HTML report of every demo programme headless:
#      the page loads without a console error or a refused load, it holds the four
#      charts (inline SVG with <title> and <desc>, each followed by its data table)
#      and the suppression notes. One screenshot per programme is kept in
#      $TRIAD_REPORT_ARTEFACTS (ctest: build/report-artefacts), outside the tree.
#
# Environment (tests/run.sh sets it): TRIADD, TRIAD, TRIAD_TEST_DB,
# TRIAD_TEST_OWNER_DB, TRIAD_TEST_PG_PSQL. Installs chromium with apt when it is
# missing (as root).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../deploy/pg.sh
source "$ROOT/deploy/pg.sh"
# shellcheck source=../script_lib.sh
source "$ROOT/tests/script_lib.sh"

: "${TRIAD_TEST_DB:?}" "${TRIAD_TEST_OWNER_DB:?}" "${TRIAD_TEST_PG_PSQL:?}"
if [[ $(id -u) -ne 0 ]] && ! command -v chromium >/dev/null; then
	echo "skipped: chromium is not installed (apt-get install chromium, or run as root)"
	exit 77
fi
triad_install_packages chromium
command -v chromium >/dev/null || tl_fail "chromium is not installed"
tl_init report
ARTEFACTS=${TRIAD_REPORT_ARTEFACTS:-$TL_WORK/artefacts}
mkdir -p "$ARTEFACTS"

tl_step "a database with the demo data"
DB=triad_report_$$
TL_ON_EXIT="$TRIAD_TEST_PG_PSQL -q -c 'DROP DATABASE IF EXISTS $DB WITH (FORCE)' >/dev/null 2>&1"
$TRIAD_TEST_PG_PSQL -q -c "CREATE DATABASE $DB OWNER triad_owner" >/dev/null ||
	tl_fail "cannot create database $DB"
OWNER=$(sed "s/dbname=[^ ]*/dbname=$DB/" <<<"$TRIAD_TEST_OWNER_DB")
APP=$(sed "s/dbname=[^ ]*/dbname=$DB/" <<<"$TRIAD_TEST_DB")
"$TRIADD" migrate --db "$OWNER" >"$TL_WORK/migrate.log" 2>&1 || tl_fail "triadd migrate failed"
for f in "$ROOT"/sql/demo/*.sql; do
	psql -X -q -1 -v ON_ERROR_STOP=1 -f "$f" "$OWNER" >"$TL_WORK/demo.log" 2>&1 ||
		tl_fail "loading sql/demo/$(basename "$f") failed: $(tail -n 3 "$TL_WORK/demo.log")"
done
tl_start_triadd a "$APP"
TOKEN=$(tl_operator_token "$OWNER")
ADDR=${TL_ADDR[a]}

# Tineke Teamleider is Zorggroep Denkbeeldig's employer contact at Fontys (demo 0004);
# she gets a token as triadd's tokens are made (only the hash is stored).
TINEKE="trd_$(openssl rand -hex 22 | cut -c1-43)"
psql -X -q -v ON_ERROR_STOP=1 -v token="$TINEKE" "$OWNER" >/dev/null <<'SQL' || tl_fail "token for the employer contact"
INSERT INTO api_token (principal_id, prefix, hash, label)
SELECT pr.id, left(:'token', 12), sha256(convert_to(:'token', 'UTF8')), 'report test'
  FROM principal pr JOIN person p ON p.id = pr.person_id
 WHERE p.email = 'tineke.teamleider@zorggroep-denkbeeldig.example';
SQL

tl_step "MiZ's figures against the hand computation"
tl_triad "$ADDR" "$TOKEN" --institution fontys --json report return --programme MiZ \
	>"$TL_WORK/miz.json" || tl_fail "report return --programme MiZ --json failed"
/usr/bin/python3 - "$TL_WORK/miz.json" <<'PY' || tl_fail "MiZ's figures differ from the hand computation"
import json, sys

r = json.load(open(sys.argv[1]))

# The demo's MiZ (sql/demo/0002, 0004, 0008), by hand:
#
# Cohorts and enrollments (19):
#   MiZ 2024: Anouk, Bart, Carmen, Daan, Eva completed; Floor withdrew; Gijs active
#   MiZ 2025: Hanna, Ivo, Jet, Koen, Lies, Mo, Noor active
#   MiZ 2026: Ilse, Rachid, Mieke, Dewi active; Henk admitted
#   enrolled 19; admitted (admitted, active or completed) 19 - Floor = 18;
#   active 1 + 7 + 4 = 12; completed 5; withdrawn 1.
# Time to completion, months from the cohort's start (2024-09-01), days / 30.4375:
#   Carmen 2026-03-27: 572 d = 18.79; Anouk 2026-06-30: 667 d = 21.91;
#   Bart and Daan 2026-08-28: 726 d = 23.85; Eva 2026-11-27: 817 d = 26.84
#   median 23.85, shown to one decimal: 23.9 (nominal 24).
# Validated prior learning (MiZ: 60 ECTS in 24 months, a credit is 0.4 month):
#   Anouk LU2 15, Carmen LU1 15 + LU4 10, Koen LU2 15, Ilse LU2 15, Rachid LU4 10
#   = 80 credits from 5 participants: 80 / 60 * 24 = 32 months saved.
# Credits by modules (LEI 15, ONZ 15, INN 10, SAM 10, AFS 10):
#   MiZ 2024: Anouk 45 (not ONZ), Bart 60, Carmen 35 (not LEI, SAM), Daan 60,
#   Eva 60, Floor 15, Gijs 40 = 315; MiZ 2025: 7 x LEI 15 = 105; MiZ 2026: 0
#   = 420.
# Hours a week committed in current agreements of the employers listed:
#   Zorggroep 8, Netwerk Kleine Zorgaanbieders 4, Ziekenhuis 6 = 18.
# Hours a week recorded, admitted or active: Gijs 4; Hanna 6, Ivo 4, Jet 4, Koen 8,
#   Lies 6, Mo 4, Noor 4 = 36; Ilse 8, Rachid 6, Mieke 4, Dewi 4, Henk 6 = 28;
#   = 68.
# Zorggroep Denkbeeldig, consenting only: Anouk, Bart, Carmen, Hanna, Ivo, Jet,
#   Rachid, Dewi = 8 (Noor did not consent); completed 3; recorded (admitted or
#   active) Hanna 6 + Ivo 4 + Jet 4 + Rachid 6 + Dewi 4 = 24 of 5 persons.
# Ziekenhuis Nergenshuizen: Daan, Koen and Ilse consented: 3 < 5, suppressed.
# Consent levels of the 19 with an employer: progress Anouk, Carmen, Hanna, Jet,
#   Koen, Rachid, Ilse = 7; full Bart, Daan, Ivo, Dewi = 4; none 19 - 11 = 8.
# Attendance, LEI of MiZ 2026: 5 participants x 2 sessions = 10, Henk absent once,
#   Mieke excused once: 8 / 10 = 80 %.
# Practice questions of Zorg Zuid: proposed 1, accepted 1, in progress 1,
#   delivered 0, evaluated 1; delivered or evaluated 1; products 1, with the
#   zorggroep's feedback 1.
# Feedback per month: September 2025 to Hanna and Koen only (2 < 5: suppressed);
#   October 2025 to November 2026 to Koen, Lies, Hanna, Ivo and Jet monthly (5),
#   plus the answers to requests: February (Hanna), April (Koen), June (Hanna),
#   September (Jet) 6 each, October 5 + 4 of MiZ 2026 + Lies's answer = 10,
#   November 5 + 4 = 9.
# Requests with a due date passed: 6, answered by it: 4 (one late, one not at all).
# Events: the practice coaches' meeting 3 present of 8; Carmen's alumni
#   presentation 6 of 7.
# Alumni: the 5 who completed; coaching Carmen and Anouk = 2; presenting Carmen 1;
#   ambassador Carmen 1.
# Assessment (sql/demo/0008_return.sql: every completed module's assignment, LEI to AFS
#   assessing LU1 to LU5, assessed with a 7 and released; Bart's ONZ, Gijs's INN and
#   Lies's LEI first got a 5 (below the pass mark 5.5) and were corrected to 6.5):
#   outcomes by assessment = modules completed: MiZ 2024 Anouk 4, Bart 5, Carmen 3,
#   Daan 5, Eva 5, Floor 1, Gijs 3 = 26; MiZ 2025 7 x LEI = 7; MiZ 2026 0; total 33.
#   outcomes by validation only = the validated above: Anouk 1, Carmen 2 (MiZ 2024: 3),
#   Koen 1 (MiZ 2025), Ilse 1, Rachid 1 (MiZ 2026: 2) = 6.
#   first-time pass: 33 pairs (participant, assignment), 3 failed first: 30 / 33 =
#   0.909 over 14 persons; MiZ 2024 24 / 26 = 0.923; MiZ 2025 6 / 7 = 0.857; MiZ 2026
#   no results. Per assignment: LEI 13 (Anouk, Bart, Daan, Eva, Floor, Gijs and the 7
#   of MiZ 2025), Lies failed: 12 / 13 = 0.923; ONZ 5 (Bart, Carmen, Daan, Eva, Gijs),
#   Bart failed: 0.8; INN 6 (Anouk, Bart, Carmen, Daan, Eva, Gijs), Gijs failed:
#   5 / 6 = 0.833; AFS 5 (the five who completed): 1; SAM 4 (Anouk, Bart, Daan, Eva)
#   < 5: suppressed.
#   Certificates issued: none in the demo: 0 of 5 completed; the zorggroep 0 of 3.

def fig(name, kind="programme", group=None):
    for f in r["figures"]:
        if f["figure"] == name and f["group_kind"] == kind and (group is None or f["group"] == group):
            return f
    raise SystemExit(f"no figure {name} for {kind} {group}")

bad = []
def want(f, value, compare=None, suppressed=False):
    got = (f["value"], f["compare"], f["suppressed"])
    ok = f["suppressed"] == suppressed and abs(f["value"] - value) < 1e-6 and \
        (compare is None or abs(f["compare"] - compare) < 1e-6)
    if not ok:
        bad.append(f"{f['figure']} {f['group_kind']} {f['group']}: got {got}, "
                   f"want {(value, compare, suppressed)}")

assert r["programme_code"] == "MiZ" and r["view"] == "programme", r
assert r["min_group_size"] == 5 and r["nominal_months"] == 24, r
want(fig("enrolled"), 19)
want(fig("admitted"), 18, 19)
want(fig("active"), 12, 19)
want(fig("completed"), 5, 19)
want(fig("withdrawn"), 1, 19)
want(fig("enrolled", "cohort", "MiZ 2024"), 7)
want(fig("enrolled", "cohort", "MiZ 2025"), 7)
want(fig("enrolled", "cohort", "MiZ 2026"), 5)
want(fig("median_months_to_completion"), 23.9, 24)
want(fig("months_saved_by_prior_learning"), 32, 5)
want(fig("participants_with_validation"), 5, 19)
want(fig("credits_by_validation"), 80, 420)
want(fig("credits_by_modules"), 420, 80)
want(fig("hours_committed"), 18, 68)
want(fig("hours_recorded"), 68)
zg = "Zorggroep Denkbeeldig"
want(fig("enrolled", "employer", zg), 8)
want(fig("completed", "employer", zg), 3, 8)
want(fig("hours_recorded", "employer", zg), 24, 8)
want(fig("hours_committed", "employer", zg), 8, 24)
want(fig("months_saved_by_prior_learning", "employer", zg), 20, 3)
zh = "Ziekenhuis Nergenshuizen"
want(fig("enrolled", "employer", zh), 0, 0, suppressed=True)
want(fig("hours_recorded", "employer", zh), 0, 0, suppressed=True)
want(fig("hours_committed", "employer", zh), 6)
want(fig("consent_level", "level", "none"), 8)
want(fig("consent_level", "level", "progress"), 7)
want(fig("consent_level", "level", "full"), 4)
want(fig("attendance_rate", "module", "LEI"), 0.8, 10)
for status, n in [("proposed", 1), ("accepted", 1), ("in_progress", 1), ("delivered", 0),
                  ("evaluated", 1)]:
    want(fig("practice_questions", "status", status), n)
want(fig("practice_questions_delivered"), 1, 4)
want(fig("products_delivered"), 1, 4)
want(fig("products_evaluated"), 1, 1)
want(fig("feedback_by_month", "month", "2025-09"), 0, 0, suppressed=True)
for month, n in [("2025-10", 5), ("2026-02", 6), ("2026-04", 6), ("2026-06", 6),
                 ("2026-09", 6), ("2026-10", 10), ("2026-11", 9)]:
    want(fig("feedback_by_month", "month", month), n)
want(fig("requests_on_time"), 0.667, 6)
want(fig("event_attendance", "event_kind", "practice_coach_meeting"), 3, 8)
want(fig("event_attendance", "event_kind", "alumni_presentation"), 6, 7)
want(fig("alumni"), 5)
want(fig("alumni_coaching"), 2, 5)
want(fig("alumni_presenting"), 1, 5)
want(fig("alumni_ambassadors"), 1, 5)
want(fig("outcomes_by_assessment"), 33, 6)
want(fig("outcomes_by_validation"), 6, 33)
want(fig("outcomes_by_assessment", "cohort", "MiZ 2024"), 26, 3)
want(fig("outcomes_by_validation", "cohort", "MiZ 2026"), 2, 0)
ft = fig("first_time_pass_rate")
want(ft, 0.909, 33)
if ft["group_size"] != 14:
    bad.append(f"first_time_pass_rate over {ft['group_size']} persons, want 14")
want(fig("first_time_pass_rate", "cohort", "MiZ 2024"), 0.923, 26)
want(fig("first_time_pass_rate", "cohort", "MiZ 2025"), 0.857, 7)
want(fig("first_time_pass_rate", "cohort", "MiZ 2026"), 0, 0)
for code, v, n in [("LEI", 0.923, 13), ("ONZ", 0.8, 5), ("INN", 0.833, 6), ("AFS", 1, 5)]:
    want(fig("first_time_pass_rate", "assignment", code), v, n)
want(fig("first_time_pass_rate", "assignment", "SAM"), 0, 0, suppressed=True)
want(fig("certificates_issued"), 0, 5)
want(fig("certificates_issued", "employer", zg), 0, 3)
# Suppressed means no number: the value and the group's size are not given away.
for f in r["figures"]:
    if f["suppressed"] and (f["value"] != 0 or f["compare"] != 0 or f["group_size"] != 0
                            or "fewer than 5" not in f["note"]):
        bad.append(f"suppressed but told: {f}")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print(f"ok: {len(r['figures'])} figures, {sum(f['suppressed'] for f in r['figures'])} suppressed")
PY

tl_step "the employer contact sees its own consenting participants only"
tl_triad "$ADDR" "$TINEKE" --institution fontys --json report return --programme MiZ \
	>"$TL_WORK/employer.json" || tl_fail "report return as the employer contact failed"
/usr/bin/python3 - "$TL_WORK/employer.json" <<'PY' || tl_fail "the employer's view is wrong"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["view"] == "employer" and r["organisation_name"] == "Zorggroep Denkbeeldig", r
others = [f for f in r["figures"]
          if f["group_kind"] != "employer" or f["group"] != "Zorggroep Denkbeeldig"]
assert not others, f"figures of others: {others[:3]}"
f = {x["figure"]: x for x in r["figures"]}
# Nine of the zorggroep's employees are MiZ participants; Noor did not consent: 8.
assert f["enrolled"]["value"] == 8 and not f["enrolled"]["suppressed"], f["enrolled"]
assert f["hours_recorded"]["value"] == 24 and f["hours_committed"]["value"] == 8, f
assert f["products_evaluated"]["value"] == 1, f
# Of the assessment section only the certificates, of its consenting participants.
assert f["certificates_issued"]["value"] == 0 and f["certificates_issued"]["compare"] == 3, f
assert not any(x["section"] == "assessment" and x["figure"] != "certificates_issued"
               for x in r["figures"]), "results shown to the employer"
print(f"ok: {len(r['figures'])} figures, all of Zorggroep Denkbeeldig")
PY
# A smaller minimum than the server's is not honoured; a larger one is.
tl_triad "$ADDR" "$TOKEN" --institution fontys --json report return --programme MiZ \
	--min-group 20 >"$TL_WORK/min20.json" || tl_fail "report return --min-group 20 failed"
/usr/bin/python3 - "$TL_WORK/min20.json" <<'PY' || tl_fail "--min-group 20 did not suppress the programme's figures"
import json, sys
r = json.load(open(sys.argv[1]))
e = [f for f in r["figures"] if f["figure"] == "enrolled" and f["group_kind"] == "programme"][0]
assert r["min_group_size"] == 20 and e["suppressed"] and e["value"] == 0, (r["min_group_size"], e)
PY
tl_triad "$ADDR" "$TOKEN" --institution fontys --json report return --programme MiZ \
	--min-group 2 | grep -q '"min_group_size":5' || tl_fail "--min-group 2 lowered the minimum"

tl_step "chromium renders the HTML report of every demo programme"
CHROME_FLAGS=(--headless --disable-gpu --no-first-run --hide-scrollbars
	--user-data-dir="$TL_WORK/chromium" --enable-logging=stderr --v=0)
[[ $(id -u) -eq 0 ]] && CHROME_FLAGS+=(--no-sandbox)
for spec in fontys:MiZ utwente:MPM leiden:60416 hva:MPM nsob:METROPOOL; do
	inst=${spec%%:*} prog=${spec#*:}
	html=$TL_WORK/$inst-$prog.html
	tl_triad "$ADDR" "$TOKEN" --institution "$inst" report return --programme "$prog" \
		--html "$html" >"$TL_WORK/html.out" || tl_fail "report return --html for $inst $prog failed"
	grep -q "^Wrote $html" "$TL_WORK/html.out" || tl_fail "no word of the file written"
	# Self-contained: nothing from the network, no script at all.
	if grep -Eqi '<script|https?://[^"]*\.(js|css|woff2?|ttf|png|jpe?g|svg)|@import|url\(' "$html"; then
		tl_fail "$inst $prog: the HTML refers to something outside itself"
	fi
	shot=$ARTEFACTS/return-$inst-$prog.png
	timeout 120 chromium "${CHROME_FLAGS[@]}" --window-size=1200,2400 --screenshot="$shot" \
		"file://$html" >"$TL_WORK/chromium.out" 2>"$TL_WORK/chromium.err" ||
		tl_fail "$inst $prog: chromium failed: $(tail -n 3 "$TL_WORK/chromium.err")"
	[[ -s $shot ]] || tl_fail "$inst $prog: no screenshot"
	timeout 120 chromium "${CHROME_FLAGS[@]}" --dump-dom "file://$html" \
		>"$TL_WORK/dom.html" 2>>"$TL_WORK/chromium.err" ||
		tl_fail "$inst $prog: chromium --dump-dom failed"
	# The page loaded without errors: no console error, nothing refused or failed.
	if grep -E 'CONSOLE|Refused to|Failed to load|net::ERR_' "$TL_WORK/chromium.err" |
		grep -v 'dbus' >"$TL_WORK/errors.txt"; then
		tl_fail "$inst $prog: the page logged errors: $(head -n 3 "$TL_WORK/errors.txt")"
	fi
	/usr/bin/python3 - "$TL_WORK/dom.html" "$inst $prog" <<'PY' || tl_fail "$inst $prog: the rendered page lacks what it should hold"
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.svgs, self.text = [], [], []
        self.after_svg = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append(tag)
        if tag == "svg":
            self.svgs.append({"labelledby": a.get("aria-labelledby", ""), "role": a.get("role"),
                              "title": "", "desc": "", "table": False})
        if tag == "table" and self.svgs and not self.svgs[-1]["table"] and self.after_svg:
            self.svgs[-1]["table"] = True
    def handle_endtag(self, tag):
        if tag == "svg":
            self.after_svg = True
        if tag == "figure":
            self.after_svg = False
        while self.stack and self.stack.pop() != tag:
            pass
    def handle_data(self, data):
        self.text.append(data)
        # The chart's own title and desc: children of the svg, not of a bar.
        if self.svgs and len(self.stack) >= 2 and self.stack[-1] in ("title", "desc") \
                and self.stack[-2] == "svg":
            self.svgs[-1][self.stack[-1]] += data

p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
text = " ".join(p.text)
where = sys.argv[2]
prog = where.split()[1]
assert f"Return of {prog}" in text, f"{where}: no heading"
titles = [s["title"] for s in p.svgs]
for chart in ["Progress funnel", "Time to completion against nominal",
              "Hours a week committed against recorded, per employer", "Feedback over time",
              "Learning outcomes achieved by assessment against by prior learning"]:
    assert chart in titles, f"{where}: no chart {chart!r} (charts: {titles})"
for s in p.svgs:
    assert s["role"] == "img" and s["title"] and s["desc"], f"{where}: a chart without title or desc: {s}"
    assert s["table"], f"{where}: chart {s['title']!r} has no data table after it"
assert "A figure about fewer than 5 persons is suppressed" in text, f"{where}: no privacy note"
if where == "fontys MiZ":
    # MiZ has suppressed figures (the hospital, September 2025): marked as such.
    assert text.count("suppressed") >= 5, f"{where}: suppressed figures are not marked"
    for want in ["Months saved by validated prior learning", "Practice questions delivered",
                 "Practice questions evaluated", "Employers' hours a week committed",
                 "Zorggroep Denkbeeldig", "suppressed: fewer than 5 persons",
                 "Assessment", "Learning outcomes achieved by assessment",
                 "Passed at the first released result", "Certificates issued (not revoked)"]:
        assert want in text, f"{where}: no {want!r}"
print(f"ok: {where}: {len(p.svgs)} charts with title, desc and data table")
PY
done
echo "screenshots: $ARTEFACTS"
ls -l "$ARTEFACTS"
tl_stop_triadd a
echo "ok"
