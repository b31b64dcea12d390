#!/usr/bin/env bash
# client_completion_check.sh: check that the static tables of the bash
# completion (client/triad.bash) match the commands, subcommands and options
# that the client itself prints with --help, and that a few completions
# come out as expected. Exits non-zero on any mismatch.
#
# usage: client_completion_check.sh TRIAD_BINARY TRIAD_BASH
set -u

if [[ $# -ne 2 ]]; then
	echo "usage: $0 TRIAD_BINARY TRIAD_BASH" >&2
	exit 2
fi
triad=$1
# shellcheck source=../client/triad.bash
source "$2" || exit 1

set -f   # the words compared below are options, not patterns

fail=0 client_failed=0
mismatch() { echo "MISMATCH: $*" >&2; fail=1; }

# True when the words of $1 and of $2 are the same, counting repeats, in any order.
same_words() {
	local -A n=()
	local w
	for w in $1; do n[$w]=$((${n[$w]-0} + 1)); done
	for w in $2; do n[$w]=$((${n[$w]-0} - 1)); done
	for w in "${!n[@]}"; do
		[[ ${n[$w]} == 0 ]] || return 1
	done
}
# The words of $1, one space between them.
words() { local -a a=($1); echo "${a[*]}"; }

# The client runs once per command path: each run of the sanitizer build costs
# about a tenth of a second, and the checks below need its --help several
# times. The help of a group's subcommands is fetched in parallel.
scratch=$(mktemp -d) || exit 1
trap 'rm -rf "$scratch"' EXIT
declare -A help_text=() help_file=()
fetched=0

# Runs `triad ARGS SUB --help` for each SUB of SUBS, eight at a time, into
# files that load_help reads.
prefetch() {
	local s f running=0
	for s in "${SUBS[@]}"; do
		f=$scratch/$((fetched++))
		help_file["triad${*:+ $*} $s"]=$f
		if ((running == 8)); then
			wait -n
		else
			running=$((running + 1))
		fi
		("$triad" "$@" "$s" --help >"$f.out" 2>"$f.err"; echo $? >"$f.rc") &
	done
	wait
}

# Reads `triad ARGS --help` (a run that exits non-zero, or writes anything to
# stderr, such as a sanitizer's report, is a failure) and sets, without a
# subshell:
#   SUBS      the first word of each line of its Commands: section
#   OPTLINES  the first column of each line of Options:, as "-x, --name" or
#             "--name VALUE"
#   OPTS      the options named in that column
# A section is the lines after its heading up to the first empty line.
load_help() {
	local key="triad${*:+ $*}" rc line where= w
	local -A done_with=()
	if [[ -z ${help_text[$key]+set} ]]; then
		local f=${help_file[$key]-$scratch/this}
		if [[ -z ${help_file[$key]-} ]]; then
			"$triad" "$@" --help >"$f.out" 2>"$f.err"
			echo $? >"$f.rc"
		fi
		help_text[$key]=
		read -r -d '' "help_text[$key]" <"$f.out"
		read -r rc <"$f.rc"
		if ((rc != 0)) || [[ -s $f.err ]]; then
			echo "FAILED: '$key --help' exited with code $rc; its stderr:" >&2
			cat "$f.err" >&2
			client_failed=1
		fi
	fi
	SUBS=() OPTLINES=() OPTS=()
	while IFS= read -r line; do
		if [[ -n $where && -z $line ]]; then
			done_with[$where]=1
			where=
		elif [[ $where == Commands: ]]; then
			read -r w _ <<<"$line"
			SUBS+=("$w")
		elif [[ $where == Options: ]]; then
			line=${line#"${line%%[! ]*}"}
			line=${line%%  *}
			OPTLINES+=("$line")
			for w in ${line//,/ }; do
				[[ $w =~ ^(-{1,2}[a-z][a-z0-9-]*) ]] && OPTS+=("${BASH_REMATCH[1]}")
			done
		elif [[ -z $where && ($line == Commands: || $line == Options:) &&
			-z ${done_with[$line]-} ]]; then
			where=$line
		fi
	done <<<"${help_text[$key]}"
}

declare -A seen_groups=() seen_leaves=()

# Whether each option of HELP takes a value must agree with _triad_flags; $*
# names the command in messages.
check_flags() {
	local line name
	for line in "${OPTLINES[@]}"; do
		[[ -z $line ]] && continue
		name=${line##*, }
		name=${name%% *}
		if [[ $line == *" "[A-Z]* ]]; then
			[[ $_triad_flags == *" $name "* ]] && mismatch "$* $name takes a value but is in _triad_flags"
		else
			[[ $_triad_flags != *" $name "* ]] && mismatch "$* $name is a flag but not in _triad_flags"
		fi
	done
}

walk() {
	local key="triad${*:+ $*}" subs opts s
	load_help "$@"
	subs="${SUBS[*]}"
	if [[ -n $subs ]]; then
		seen_groups[$key]=1
		prefetch "$@"
		same_words "$subs" "${_triad_subcommands[$key]-}" ||
			mismatch "subcommands of '$key': help says [$(words "$subs")]," \
				"completion has [${_triad_subcommands[$key]-}]"
		for s in $subs; do
			walk "$@" "$s"
		done
	else
		seen_leaves[$key]=1
		if [[ -z ${_triad_options[$key]+set} ]]; then
			mismatch "command '$key' is missing from _triad_options"
		else
			opts="${OPTS[*]}"
			same_words "$opts" "${_triad_options[$key]}" ||
				mismatch "options of '$key': help says [$(words "$opts")]," \
					"completion has [${_triad_options[$key]}]"
		fi
		check_flags "$@"
	fi
}

# Global options.
load_help
opts="${OPTS[*]}"
same_words "$opts" "$_triad_global_options" ||
	mismatch "global options: help says [$(words "$opts")]," \
		"completion has [$_triad_global_options]"
check_flags

walk

# Nothing in the tables that the client does not have.
for k in "${!_triad_subcommands[@]}"; do
	[[ -n ${seen_groups[$k]-} ]] || mismatch "'$k' in _triad_subcommands is not a command group"
done
for k in "${!_triad_options[@]}"; do
	[[ -n ${seen_leaves[$k]-} ]] || mismatch "'$k' in _triad_options is not a command"
done

# A few completions, as readline would ask for them (the last word is the
# one being completed).
expect() {
	local want=$1; shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_triad
	same_words "${COMPREPLY[*]}" "$want" ||
		mismatch "completing '$*': want [$want], got [${COMPREPLY[*]}]"
}
expect "feedback" triad feed
expect "give" triad feedback gi
expect "subgroup subgroups" triad run subg
expect "add member" triad run subgroup ""
expect "institution-admin" triad --institution nsob grant add 12 --role inst
expect "lecturer" triad invite create 12 --role programme-staff --title lec
expect "intake-planned" triad enrollment move 7 in
expect "excused" triad attendance record 1 2 ex
expect "full" triad consent set 1 2 fu
expect "elective" triad module create --kind el
expect "confidant" triad relation create 1 2 --kind co
expect "--evidence --evidence-file" triad prior-learning claim 3 --evid
expect "--json" triad --js
expect "require" triad help module req

if ((client_failed)); then
	echo "client_completion_check: the client failed (see above)" >&2
	exit 1
fi
if ((fail)); then
	echo "client_completion_check: the completion does not match the client" >&2
	exit 1
fi
echo "client_completion_check: ok (${#seen_groups[@]} groups, ${#seen_leaves[@]} commands)"
