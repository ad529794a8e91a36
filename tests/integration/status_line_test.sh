#!/usr/bin/env bash
# The live status line in a real terminal (tmux): it stays one line however narrow the
# terminal is, follows a resize, and leaves no trace before the summary. A line longer
# than the terminal used to wrap, and every redraw (carriage return, erase line) then
# left its first part behind: one more line a second.
#   status_line_test.sh SHOP_PAGEVIEWS
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly PAGEVIEWS=${1:?usage: status_line_test.sh SHOP_PAGEVIEWS}
command -v tmux >/dev/null || die "tmux not found (apt-get install -y tmux)"
readonly SOCKET=shop-status-test-$$
on_exit tmux -L "$SOCKET" kill-server
pane() { tmux -L "$SOCKET" capture-pane -p -t status | sed -e 's/ *$//' -e '/^$/d'; }

# 30 columns: "500 views/s, written 1,000, lag 0 ms" (37) does not fit.
tmux -L "$SOCKET" new-session -d -s status -x 30 -y 10 \
  "LANG=C.UTF-8 $PAGEVIEWS --output stdout --rate 500 --duration 6s >/dev/null; echo exit \$?; sleep 30"
sleep 3.5
lines=$(pane)
expect_eq "at 30 columns: one status line after three redraws" 1 "$(grep -c '' <<<"$lines")"
expect_match "... clipped within the width, ending in an ellipsis" $'^[0-9,]+ views/s, written [^\n]{0,12}\u2026$' "$lines"
expect_eq "... 29 characters at most" 1 "$(( $(wc -m <<<"$lines") - 1 <= 29 ))"

tmux -L "$SOCKET" resize-window -t status -x 70 -y 10
sleep 1.5
lines=$(pane)
expect_eq "resized to 70 columns: still one line" 1 "$(grep -c '' <<<"$lines")"
expect_match "... now whole (the width is read at every redraw)" '^[0-9,]+ views/s, written [0-9,]+, lag [0-9]+ ms$' "$lines"

sleep 3
lines=$(pane)
expect_match "at the end: the summary, and no status line left above it" '^[0-9,]+ page views in ' "$(head -n 1 <<<"$lines")"
expect_match "... and the exit status" 'exit 0' "$lines"
