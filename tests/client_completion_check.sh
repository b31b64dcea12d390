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

fail=0
mismatch() { echo "MISMATCH: $*" >&2; fail=1; }
sorted() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' '; }

# The section of --help headed by $1 ("Commands:" or "Options:").
section() {
	local head=$1; shift
	"$triad" "$@" --help | awk -v h="$head" '$0 == h {f = 1; next} f && /^$/ {exit} f'
}
subcommands() { section Commands: "$@" | awk '{print $1}'; }
# The first column of Options:, as "-x --name" or "--name VALUE".
option_lines() { section Options: "$@" | sed -E 's/^ +//; s/  .*//'; }
options_of() { option_lines "$@" | grep -oE -- '(^|[ ,])-{1,2}[a-z][a-z0-9-]*' | tr -d ' ,'; }

declare -A seen_groups=() seen_leaves=()

# Whether each option takes a value must agree with _triad_flags.
check_flags() {
	local line name
	while IFS= read -r line; do
		[[ -z $line ]] && continue
		name=${line##*, }
		name=${name%% *}
		if [[ $line == *" "[A-Z]* ]]; then
			[[ $_triad_flags == *" $name "* ]] && mismatch "$* $name takes a value but is in _triad_flags"
		else
			[[ $_triad_flags != *" $name "* ]] && mismatch "$* $name is a flag but not in _triad_flags"
		fi
	done < <(option_lines "$@")
}

walk() {
	local key="triad${*:+ $*}" subs s
	subs=$(subcommands "$@")
	if [[ -n $subs ]]; then
		seen_groups[$key]=1
		[[ $(echo "$subs" | sorted) == $(echo "${_triad_subcommands[$key]-}" | sorted) ]] ||
			mismatch "subcommands of '$key': help says [$(echo $subs)]," \
				"completion has [${_triad_subcommands[$key]-}]"
		for s in $subs; do
			walk "$@" "$s"
		done
	else
		seen_leaves[$key]=1
		if [[ -z ${_triad_options[$key]+set} ]]; then
			mismatch "command '$key' is missing from _triad_options"
		else
			[[ $(options_of "$@" | sorted) == $(echo "${_triad_options[$key]}" | sorted) ]] ||
				mismatch "options of '$key': help says [$(echo $(options_of "$@"))]," \
					"completion has [${_triad_options[$key]}]"
		fi
		check_flags "$@"
	fi
}

# Global options.
[[ $(options_of | sorted) == $(echo "$_triad_global_options" | sorted) ]] ||
	mismatch "global options: help says [$(echo $(options_of))]," \
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
	local got
	got=$(echo "${COMPREPLY[*]}" | sorted)
	[[ $got == $(echo "$want" | sorted) ]] ||
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

if ((fail)); then
	echo "client_completion_check: the completion does not match the client" >&2
	exit 1
fi
echo "client_completion_check: ok (${#seen_groups[@]} groups, ${#seen_leaves[@]} commands)"
