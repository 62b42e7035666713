#!/usr/bin/env bash
# test_cli.sh — the CLI frame's conventions (tools/README.md): --help, --version, presets, unknown
# command and unknown option, exit codes 0/1/2, messages on the right stream.
set -u
bin=${SSMKIT_BIN:?}
. "$(dirname "$0")/lib.sh"

expect 0 "--help" -- "$bin" --help
grep_in out "Usage: ssmkit <command>" "--help prints usage on stdout"
grep_in out "presets" "--help lists commands"
expect 2 "no arguments" -- "$bin"
grep_in err "Usage: ssmkit" "no arguments prints usage on stderr"
expect 0 "--version" -- "$bin" --version
grep_in out "^ssmkit [0-9]" "--version prints the version"
expect 2 "unknown command" -- "$bin" frobnicate
grep_in err "unknown command 'frobnicate'" "unknown command is named"
grep_in err "ssmkit --help" "unknown command points to --help"
expect 2 "unknown global option" -- "$bin" --frob
expect 0 "presets" -- "$bin" presets
grep_in out "byte-lm-small" "presets lists byte-lm-small"
expect 0 "presets NAME" -- "$bin" presets byte-lm-small
grep_in out '"d_model"' "presets NAME prints the JSON"
expect 1 "unknown preset" -- "$bin" presets no-such-preset
grep_in err "^ssmkit: error: .*no-such-preset" "unknown preset error format"
expect 2 "unknown option" -- "$bin" presets --frob
grep_in err "unrecognized option '--frob'" "unknown option named"
grep_in err "ssmkit presets --help" "unknown option points to the command's --help"
expect 0 "command --help" -- "$bin" presets --help
grep_in out "Usage: ssmkit presets" "command --help"
expect 0 "help COMMAND" -- "$bin" help presets
grep_in out "Usage: ssmkit presets" "help COMMAND"
expect 2 "too many arguments" -- "$bin" presets a b

finish test_cli
