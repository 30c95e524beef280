// Paths, messages and reasons reach the screen from repositories and agents: a conflicting file
// may be named with an escape sequence, an error message may span lines. Ink passes OSC and
// other controls straight to the terminal (docs/ui.md#terminal-facts), and a second line would push
// the layout out of its rows, so every such string goes through here first.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/** One line of inert text: line breaks and tabs become a space, any other control character "?". */
export function plain(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(CONTROL, '?');
}
