# triad.bash: bash completion for triad, the command-line client of triadd.
#
# Install as share/bash-completion/completions/triad, or source it from
# ~/.bashrc. The tables below are static and must match the commands and
# options that 'triad --help' and 'triad COMMAND --help' print;
# tests/client_completion_check.sh compares them.

# Subcommands of each group, keyed by the command path.
declare -gA _triad_subcommands=(
	["triad"]="login logout whoami me institution person org grant token invite audit notification programme line outcome module cohort run enroll enrollment waitlist attendance prior-learning progress coachees feedback relation partner agreement consent employer judgement journey conversation logbook timeline community question event alumni ambassador board events webhook internship document intervision certificate report assignment submission assessment completion transcript ping version help"
	["triad institution"]="create list show"
	["triad person"]="create list show find erase"
	["triad me"]="export"
	["triad org"]="create list show find"
	["triad grant"]="add list revoke"
	["triad token"]="create list revoke"
	["triad invite"]="create list revoke"
	["triad audit"]="list"
	["triad notification"]="list show"
	["triad programme"]="create show list update delete"
	["triad line"]="create show list update delete"
	["triad outcome"]="create show list update delete"
	["triad module"]="create show list update delete require unrequire"
	["triad cohort"]="create show list"
	["triad run"]="create show list session sessions subgroup subgroups"
	["triad run session"]="add"
	["triad run subgroup"]="add member"
	["triad enrollment"]="show list move exempt resolve complete"
	["triad attendance"]="record list"
	["triad prior-learning"]="claim decide list"
	["triad feedback"]="give requests list show edit ask sent"
	["triad relation"]="create propose approve end list"
	["triad partner"]="list"
	["triad agreement"]="create show list end"
	["triad consent"]="set list"
	["triad employer"]="view judge"
	["triad judgement"]="list"
	["triad journey"]="show plan"
	["triad conversation"]="plan record show list link act done actions"
	["triad logbook"]="list show write submit share unshare comment comments"
	["triad community"]="create list show member org"
	["triad community member"]="add remove list"
	["triad community org"]="add list"
	["triad question"]="create list show move link people product"
	["triad question product"]="add list feedback"
	["triad event"]="create list show capacity register cancel registrations waitlist attend suggest topics"
	["triad alumni"]="list"
	["triad ambassador"]="add list end activity"
	["triad ambassador activity"]="add list"
	["triad board"]="create list show member meeting agenda"
	["triad events"]="list follow ack"
	["triad webhook"]="create list delete rotate-secret deliveries redeliver"
	["triad board member"]="add list"
	["triad board meeting"]="add list"
	["triad board agenda"]="add list"
	["triad internship"]="place show list plan approve return minimum hours"
	["triad internship hours"]="log submit verify reject reopen list"
	["triad document"]="put get list"
	["triad intervision"]="plan sessions case cases attend attendance"
	["triad report"]="return"
	["triad certificate"]="check issue show export list revoke keys rotate-key"
	["triad assignment"]="create list show tailor approve return status"
	["triad submission"]="add list"
	["triad assessment"]="record release correct list policy set-policy"
	["triad completion"]="check rules set-rules exempt"
)

# Options of each leaf command, besides the global ones.
declare -gA _triad_options=(
	["triad login"]="--token --invite --email --code --label"
	["triad logout"]=""
	["triad whoami"]=""
	["triad institution create"]=""
	["triad institution list"]="--page-size --page-token --all"
	["triad institution show"]=""
	["triad person create"]="--name --email"
	["triad person list"]="--page-size --page-token --all"
	["triad person show"]=""
	["triad person erase"]="--yes"
	["triad person find"]="--page-size --page-token --all"
	["triad me export"]="-o --output"
	["triad org create"]="--name --kind --registry-number"
	["triad org list"]="--page-size --page-token --all"
	["triad org show"]=""
	["triad org find"]="--page-size --page-token --all"
	["triad grant add"]="--role --title --org"
	["triad grant list"]="--principal --page-size --page-token --all"
	["triad grant revoke"]=""
	["triad token create"]="--label --expires-in --machine --org --client-cert"
	["triad token list"]="--page-size --page-token --all"
	["triad token revoke"]=""
	["triad invite create"]="--role --title --org --expires-in"
	["triad invite list"]="--page-size --page-token --all"
	["triad invite revoke"]=""
	["triad audit list"]="--since --resource --page-size --page-token --all"
	["triad notification list"]="--status --kind --to --page-size --page-token --all"
	["triad notification show"]=""
	["triad programme create"]="--code --name --award --ects --duration-months --language --mode --start --fee --specialisation --standalone-share"
	["triad programme show"]=""
	["triad programme list"]="--page-size --page-token --all"
	["triad programme update"]="--name --award --ects --duration-months --language --mode --start --fee --specialisation --standalone-share"
	["triad programme delete"]=""
	["triad line create"]="--programme --code --name"
	["triad line show"]=""
	["triad line list"]="--programme --page-size --page-token --all"
	["triad line update"]="--code --name"
	["triad line delete"]=""
	["triad outcome create"]="--programme --code --description --credits"
	["triad outcome show"]=""
	["triad outcome list"]="--programme --page-size --page-token --all"
	["triad outcome update"]="--code --description --credits"
	["triad outcome delete"]=""
	["triad module create"]="--programme --code --name --kind --sequence --credits --mandatory-attendance --cannot-be-missed --line --outcome --staff"
	["triad module show"]=""
	["triad module list"]="--programme --page-size --page-token --all"
	["triad module update"]="--code --name --kind --sequence --credits --mandatory-attendance --cannot-be-missed --line --outcome --staff --no-mandatory-attendance --no-cannot-be-missed"
	["triad module delete"]=""
	["triad module require"]=""
	["triad module unrequire"]=""
	["triad cohort create"]="--programme --name --starts --ends"
	["triad cohort show"]=""
	["triad cohort list"]="--programme --page-size --page-token --all"
	["triad run create"]="--module --cohort --capacity --starts --ends"
	["triad run show"]=""
	["triad run list"]="--cohort --page-size --page-token --all"
	["triad run session add"]="--at --history --title"
	["triad run sessions"]="--page-size --page-token --all"
	["triad run subgroup add"]="--name --purpose"
	["triad run subgroup member"]=""
	["triad run subgroups"]="--page-size --page-token --all"
	["triad enroll"]="--cohort --run --employer --hours-per-week --change-assignment"
	["triad enrollment show"]=""
	["triad enrollment list"]="--cohort --run --person --status --page-size --page-token --all"
	["triad enrollment move"]=""
	["triad enrollment exempt"]="--reason"
	["triad enrollment resolve"]="--resolution"
	["triad enrollment complete"]=""
	["triad waitlist"]="--cohort --run --page-size --page-token --all"
	["triad attendance record"]=""
	["triad attendance list"]="--session --enrollment --page-size --page-token --all"
	["triad prior-learning claim"]="--evidence --evidence-file"
	["triad prior-learning decide"]="--validate --reject --reason"
	["triad prior-learning list"]="--person --status --page-size --page-token --all"
	["triad progress"]=""
	["triad coachees"]=""
	["triad feedback give"]="--outcome --module --request --situation --behaviour --effect --suggestion --from-file -e --edit"
	["triad feedback requests"]=""
	["triad feedback list"]="--enrollment"
	["triad feedback show"]=""
	["triad feedback edit"]="--situation --behaviour --effect --suggestion --from-file -e --edit"
	["triad feedback ask"]="--question --due --outcome --module --assignment"
	["triad feedback sent"]="--coach --answered --page-size --page-token --all"
	["triad relation create"]="--kind --starts --ends"
	["triad relation propose"]="--enrollment --kind"
	["triad relation approve"]=""
	["triad relation end"]=""
	["triad relation list"]="--enrollment --coach --page-size --page-token --all"
	["triad partner list"]="--page-size --page-token --all"
	["triad agreement create"]="--org --kind --starts --ends --hours-per-week --change-assignments --internship-places --contact --ambassador --member"
	["triad agreement show"]=""
	["triad agreement list"]="--org --page-size --page-token --all"
	["triad agreement end"]="--on"
	["triad consent set"]="--enrollment"
	["triad consent list"]="--enrollment --org --page-size --page-token --all"
	["triad employer view"]="--page-size --page-token --all"
	["triad employer judge"]="--text"
	["triad judgement list"]="--page-size --page-token --all"
	["triad journey show"]=""
	["triad journey plan"]="--intake-required --no-intake-required --development"
	["triad conversation plan"]="--kind --at --staff --coach --history"
	["triad conversation record"]="--notes --private-note --held --held-at"
	["triad conversation show"]=""
	["triad conversation list"]="--participant --kind --page-size --page-token --all"
	["triad conversation link"]=""
	["triad conversation act"]="--owner --due"
	["triad conversation done"]=""
	["triad conversation actions"]="--conversation --participant --include-done --page-size --page-token --all"
	["triad logbook list"]="--page-size --page-token --all"
	["triad logbook show"]="--participant"
	["triad logbook write"]="--from-file"
	["triad logbook submit"]=""
	["triad logbook share"]=""
	["triad logbook unshare"]=""
	["triad logbook comment"]=""
	["triad logbook comments"]="--participant --page-size --page-token --all"
	["triad timeline"]="--kind --page-size --page-token --all"
	["triad community create"]="--name --kind --cohort --theme --agreement --starts --ends"
	["triad community list"]="--kind --page-size --page-token --all"
	["triad community show"]=""
	["triad community member add"]="--as --role --org"
	["triad community member remove"]=""
	["triad community member list"]="--former --page-size --page-token --all"
	["triad community org add"]="--network"
	["triad community org list"]="--page-size --page-token --all"
	["triad question create"]="--community --title --org --description --description-file"
	["triad question list"]="--community --org --status --page-size --page-token --all"
	["triad question show"]=""
	["triad question move"]=""
	["triad question link"]="--as --enrollment --work"
	["triad question people"]="--page-size --page-token --all"
	["triad question product add"]="--kind --title --description --delivered"
	["triad question product list"]="--page-size --page-token --all"
	["triad question product feedback"]="--text --text-file"
	["triad event create"]="--kind --title --starts --history --place --capacity --community --programme --presenter --topic --description"
	["triad event list"]="--community --kind --upcoming --page-size --page-token --all"
	["triad event show"]=""
	["triad event capacity"]=""
	["triad event register"]=""
	["triad event cancel"]=""
	["triad event registrations"]="--cancelled --page-size --page-token --all"
	["triad event waitlist"]="--page-size --page-token --all"
	["triad event attend"]=""
	["triad event suggest"]="--text"
	["triad event topics"]="--page-size --page-token --all"
	["triad alumni list"]="--programme --person --page-size --page-token --all"
	["triad ambassador add"]="--person --programme --org --basis --starts --ends"
	["triad ambassador list"]="--programme --org --page-size --page-token --all"
	["triad ambassador end"]="--on"
	["triad ambassador activity add"]="--kind --on --description --reach"
	["triad ambassador activity list"]="--page-size --page-token --all"
	["triad board create"]="--name --kind --programme"
	["triad board list"]="--programme --page-size --page-token --all"
	["triad events list"]="--after --from-ack --type --limit"
	["triad events follow"]="--after --from-ack --type --count"
	["triad events ack"]=""
	["triad webhook create"]="--type --description"
	["triad webhook list"]="--page-size --page-token --all"
	["triad webhook delete"]=""
	["triad webhook rotate-secret"]="--expire-now"
	["triad webhook deliveries"]="--failed --event --page-size --page-token --all"
	["triad webhook redeliver"]="--event --failed-since"
	["triad board show"]=""
	["triad board member add"]="--org --role --from --until"
	["triad board member list"]="--past --page-size --page-token --all"
	["triad board meeting add"]="--on --place --minutes"
	["triad board meeting list"]="--page-size --page-token --all"
	["triad board agenda add"]="--title --notes --question --programme"
	["triad board agenda list"]="--page-size --page-token --all"
	["triad internship place"]="--org --supervisor --starts --ends"
	["triad internship show"]=""
	["triad internship list"]="--page-size --page-token --all"
	["triad internship plan"]="--motivation --question"
	["triad internship approve"]="--note"
	["triad internship return"]="--note"
	["triad internship minimum"]=""
	["triad internship hours log"]=""
	["triad internship hours submit"]=""
	["triad internship hours verify"]=""
	["triad internship hours reject"]="--reason"
	["triad internship hours reopen"]="--reason"
	["triad internship hours list"]="--status --page-size --page-token --all"
	["triad document put"]="--kind --type"
	["triad document get"]="--kind -o --output"
	["triad document list"]="--page-size --page-token --all"
	["triad intervision plan"]="--starts --facilitator --history"
	["triad intervision sessions"]="--page-size --page-token --all"
	["triad intervision case"]="--title --text"
	["triad intervision cases"]="--page-size --page-token --all"
	["triad intervision attend"]=""
	["triad intervision attendance"]="--page-size --page-token --all"
	["triad report return"]="-p --programme --cohort --min-group --html"
	["triad certificate issue"]="--programme"
	["triad certificate show"]="--programme"
	["triad certificate export"]="--programme"
	["triad certificate list"]="--page-size --page-token --all"
	["triad certificate revoke"]="--programme --reason"
	["triad certificate keys"]="--page-size --page-token --all"
	["triad certificate rotate-key"]=""
	["triad assignment create"]="--title --kind --context --module --semester --due --outcome --description"
	["triad assignment list"]="--page-size --page-token --all"
	["triad assignment show"]=""
	["triad assignment tailor"]="--org --question"
	["triad assignment approve"]="--note"
	["triad assignment return"]="--note"
	["triad assignment status"]="--assignment --page-size --page-token --all"
	["triad submission add"]="--title --enrollment"
	["triad submission list"]="--with-body --page-size --page-token --all"
	["triad assessment record"]="--result --feedback --evidence"
	["triad assessment release"]=""
	["triad assessment correct"]="--reason"
	["triad assessment list"]="--assignment"
	["triad assessment policy"]=""
	["triad assessment set-policy"]="--scale --level --pass-level --pass-mark --four-eyes-final --no-four-eyes-final --no-own-coachee --no-no-own-coachee"
	["triad completion check"]=""
	["triad completion rules"]=""
	["triad completion set-rules"]="--min-attendance --cannot-be-missed --no-cannot-be-missed --internship-hours --no-internship-hours --logbook-chapters --no-logbook-chapters --outcomes-achieved --no-outcomes-achieved --final-passed --no-final-passed --min-conversations"
	["triad completion exempt"]="--reason"
	["triad certificate check"]=""
	["triad transcript"]=""
	["triad ping"]="--db -c --count"
	["triad version"]="--client"
	["triad help"]=""
)

# Options every command takes.
_triad_global_options="--addr --token --institution --timeout --ca --cert --key --insecure --plain --json --csv --wide --utc --version -h --help"

# Options that take no value; every other option takes one.
_triad_flags=" --insecure --plain --json --csv --wide --version -h --help --all --mandatory-attendance --cannot-be-missed "
_triad_flags+="--no-mandatory-attendance --no-cannot-be-missed --validate --reject "
_triad_flags+="-e --edit --db --client --former --upcoming --cancelled --past --yes --answered "
_triad_flags+="--utc --history --from-ack --expire-now --failed --intake-required --no-intake-required --held --include-done "
_triad_flags+="--with-body --four-eyes-final --no-four-eyes-final --no-own-coachee --no-no-own-coachee "
_triad_flags+="--internship-hours --no-internship-hours --logbook-chapters --no-logbook-chapters "
_triad_flags+="--outcomes-achieved --no-outcomes-achieved --final-passed --no-final-passed "

# Words for the values of options and arguments.
_triad_roles="institution-admin programme-staff participant workplace-coach employer-contact partner-integration"
_triad_titles="dean programme-manager lecturer trainer assessor"
_triad_enrollment_statuses="applied intake-planned admitted active completed withdrawn"
_triad_claim_statuses="claimed validated rejected"
_triad_attendance_statuses="present absent excused"
_triad_question_statuses="proposed accepted in-progress delivered evaluated"
_triad_event_kinds="symposium alumni-presentation practice-coach-meeting community-meeting intervision"
_triad_consent_levels="none progress full"
_triad_notification_kinds="invite feedback-request feedback-reminder enrollment-promoted event-promoted signin-code"
_triad_months="january february march april may june july august september october november december"

# _triad_values PATH OPTION: print the words a value of OPTION may be.
_triad_values()
{
	case "$2" in
	--role)
		case "$1" in
		"triad community "*) echo "facilitator member guest" ;;
		"triad board "*) echo "chair member secretary" ;;
		*) echo "$_triad_roles" ;;
		esac ;;
	--as)
		case "$1" in
		"triad community "*) echo "participant alumnus staff workplace-coach partner" ;;
		"triad question "*) echo "participant coach staff" ;;
		esac ;;
	--basis) echo "executive alumnus" ;;
	--title) [[ $1 == "triad grant add" || $1 == "triad invite create" ]] && echo "$_triad_titles" ;;
	--kind)
		case "$1" in
		"triad org create") echo "employer school hospital municipality government care-provider other" ;;
		"triad module "*) echo "core elective masterclass internship final" ;;
		"triad relation "*) echo "workplace-coach confidant programme-coach alumni-coach" ;;
		"triad agreement "*) echo "covenant professional-workplace professional-network" ;;
		"triad community "*) echo "cohort professional" ;;
		"triad question "*) echo "report workshop game article" ;;
		"triad event "*) echo "$_triad_event_kinds" ;;
		"triad ambassador "*) echo "guest-lecture talk recruitment" ;;
		"triad board "*) echo "work-field scientific advisory-council" ;;
		"triad notification "*) echo "$_triad_notification_kinds" ;;
		"triad document "*) echo "report reflection" ;;
		"triad assignment "*) echo "assignment paper intervention internship-report final" ;;
		esac ;;
	--context) echo "micro meso macro" ;;
	--scale) echo "levels mark" ;;
	--evidence) echo "submission chapter: feedback hours" ;;
	--status)
		case "$1" in
		"triad enrollment "*) echo "$_triad_enrollment_statuses" ;;
		"triad prior-learning "*) echo "$_triad_claim_statuses" ;;
		"triad question "*) echo "$_triad_question_statuses" ;;
		"triad notification "*) echo "pending sent failed expired" ;;
		"triad internship "*) echo "draft submitted verified rejected" ;;
		esac ;;
	--purpose) echo "assignments intervision" ;;
	--level) echo "$_triad_consent_levels" ;;
	--award) echo "degree certificate" ;;
	--mode) echo "part-time evening full-time blended" ;;
	--start) echo "$_triad_months" ;;
	esac
}

# _triad_arg_values PATH INDEX: words for positional argument INDEX (from 0).
_triad_arg_values()
{
	case "$1 $2" in
	"triad enrollment move 1") echo "$_triad_enrollment_statuses" ;;
	"triad attendance record 2") echo "$_triad_attendance_statuses" ;;
	"triad consent set 1" | "triad consent set 2") echo "$_triad_consent_levels" ;;
	"triad question move 1") echo "accepted in-progress delivered evaluated" ;;
	"triad event attend 1") echo "$_triad_attendance_statuses" ;;
	"triad intervision attend 2") echo "$_triad_attendance_statuses" ;;
	esac
}

_triad_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir
	else
		local IFS=$'\n'
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
	fi
}

_triad()
{
	local cur prev words cword split=false
	if declare -F _init_completion >/dev/null; then
		_init_completion -s || return
	else
		# Without bash-completion: join --name=value, which readline splits
		# at the '=', back into one word.
		local j
		words=()
		cword=0
		for ((j = 0; j < ${#COMP_WORDS[@]}; j++)); do
			if [[ ${COMP_WORDS[j]} == = && ${#words[@]} -gt 0 && ${words[-1]} == -* ]] ||
			   [[ ${#words[@]} -gt 0 && ${words[-1]} == -*= && j -gt 0 &&
			      ${COMP_WORDS[j - 1]} == = ]]; then
				words[-1]+=${COMP_WORDS[j]}
			else
				words+=("${COMP_WORDS[j]}")
			fi
			((j == COMP_CWORD)) && cword=$((${#words[@]} - 1))
		done
		cur=${words[cword]}
		prev=${words[cword - 1]}
		if [[ $cur == --?*=* ]]; then
			prev=${cur%%=*}
			cur=${cur#*=}
			split=true
		fi
	fi

	# Walk the words before the cursor: the command path, then positional
	# arguments. An option that takes a value skips the next word.
	local path=triad i w npos=0 skip=
	local -a helppath=()
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ -n $skip ]]; then
			skip=
			continue
		fi
		case "$w" in
		--) continue ;;
		-*=*) continue ;;
		-*)
			[[ $_triad_flags == *" $w "* ]] || skip=1
			continue ;;
		esac
		if [[ -n ${_triad_subcommands[$path]+set} && \
		      " ${_triad_subcommands[$path]} " == *" $w "* ]]; then
			path="$path $w"
		else
			[[ $path == "triad help" ]] && helppath+=("$w")
			((npos++))
		fi
	done

	# The value of an option.
	local opt=
	if [[ -n $skip || $split == true ]]; then
		opt=$prev
	fi
	if [[ -n $opt ]]; then
		case "$opt" in
		--from-file | --evidence-file | --description-file | --text-file | --output | -o | --ca | --cert | --key | --client-cert | --html)
			_triad_files ;;
		*) COMPREPLY=($(compgen -W "$(_triad_values "$path" "$opt")" -- "$cur")) ;;
		esac
		return 0
	fi

	if [[ $cur == -* ]]; then
		local o=$_triad_global_options
		[[ -n ${_triad_options[$path]+set} ]] && o="${_triad_options[$path]} $o"
		COMPREPLY=($(compgen -W "$o" -- "$cur"))
		return 0
	fi

	if [[ -n ${_triad_subcommands[$path]+set} ]]; then
		COMPREPLY=($(compgen -W "${_triad_subcommands[$path]}" -- "$cur"))
	elif [[ $path == "triad document put" ]]; then
		_triad_files
	elif [[ $path == "triad help" ]]; then
		local p="triad${helppath[*]:+ ${helppath[*]}}"
		COMPREPLY=($(compgen -W "${_triad_subcommands[$p]}" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$(_triad_arg_values "$path" "$npos")" -- "$cur"))
	fi
	return 0
}

complete -F _triad triad
