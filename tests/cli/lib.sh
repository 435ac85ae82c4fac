# lib.sh -- checks shared by the CLI test scripts (sourced; not a test itself).
# The script sets failures=0 and checks=0 and reports them at its end.

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect NAME EXPECTED ACTUAL: exact comparison with a diff on mismatch.
expect() {
    checks=$((checks + 1))
    if [ "$2" != "$3" ]; then
        fail "$1"
        diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") >&2
    fi
}

# expect_rc NAME WANT GOT
expect_rc() {
    checks=$((checks + 1))
    [ "$2" = "$3" ] || fail "$1: exit status $3, expected $2"
}

# expect_has NAME NEEDLE HAYSTACK
expect_has() {
    checks=$((checks + 1))
    case "$3" in
    *"$2"*) ;;
    *) fail "$1: output lacks \"$2\""; printf '%s\n' "$3" >&2 ;;
    esac
}

# A local TCP port that nothing listens on (checked with bash's /dev/tcp).
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-)
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
}
