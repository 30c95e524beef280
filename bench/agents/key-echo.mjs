#!/usr/bin/env node
// The instrument's floor for bench/ui-load.mjs: a pane that answers j/k at once, drawing the `›`
// selection marker on t02 / t01 the way fleet's task list does, so the same probe (send-keys, wait
// for the pane's output, capture-pane until the marker moved) measures tmux, the control client
// and the machine, without fleet. q quits.
process.stdin.setRawMode(true);
let selected = 0;
const draw = () => process.stdout.write(`\x1b[H\x1b[2J${['t01', 't02'].map((id, i) => `${i === selected ? '›' : ' '} ${id}`).join('\r\n')}`);
process.stdin.on('data', (keys) => {
  for (const key of keys.toString()) {
    if (key === 'q') process.exit(0);
    if (key === 'j') selected = 1;
    if (key === 'k') selected = 0;
  }
  draw();
});
draw();
