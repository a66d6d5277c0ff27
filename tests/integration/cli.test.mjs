/**
 * cli.test.mjs - every command word and sub-command of mpc, mpc-party and
 * mpc-vectors answers --help: usage on stdout, exit 0, nothing on stderr.
 * The commands are read from each program's own command list (`PROGRAM
 * --help`), so a command added there is covered here. A word that needs a
 * sub-command, given none or an unknown one, lists its sub-commands and
 * exits 2.
 *
 *   MPC_BUILD=build node --test tests/integration/cli.test.mjs
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bin, run } from './lib.mjs';

/** The commands of a program's usage: [["organizer", "init"], ["tokens"], ...]. */
function commands(program) {
  const r = run(bin(program), ['--help']);
  assert.equal(r.code, 0, r.stderr);
  const list = r.stdout.split('\n\n').find((block) => block.startsWith('Commands:'));
  assert.ok(list, `${program} --help lists its commands`);
  return list.split('\n').slice(1)
    .filter((line) => /^ {2}[a-z]/.test(line))
    .map((line) => line.trim().split(/\s{2,}/)[0].split(' '));
}

function answersHelp(program, words) {
  const r = run(bin(program), [...words, '--help']);
  const what = `${program} ${words.join(' ')} --help`;
  assert.equal(r.code, 0, `${what}: exit ${r.code}, ${r.stderr}`);
  assert.equal(r.stderr, '', what);
  assert.match(r.stdout, new RegExp(`^usage: ${program} ${words.join(' ')}`), what);
}

test('every command and sub-command of mpc and mpc-party answers --help', () => {
  for (const program of ['mpc', 'mpc-party']) {
    const cmds = commands(program);
    assert.ok(cmds.length >= 3, `${program}: ${JSON.stringify(cmds)}`);
    for (const words of cmds) {
      answersHelp(program, words);
      // A word with sub-commands answers --help by itself too.
      if (words.length > 1) {
        const r = run(bin(program), [words[0], '--help']);
        assert.equal(r.code, 0, `${program} ${words[0]} --help: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`Sub-commands:\\n[^]*^ {2}${words[1]} `, 'm'));
      }
    }
  }
  for (const kind of ['vdaf', 'hpke']) {
    const r = run(bin('mpc-vectors'), [kind, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: mpc-vectors vdaf\|hpke FILE/);
  }
});

test('a command word without its sub-command, or with an unknown one, lists the sub-commands', () => {
  for (const [args, message] of [
    [['study'], /'study' needs a sub-command/],
    [['organizer'], /'organizer' needs a sub-command/],
    [['study', 'unseal'], /unknown sub-command 'study unseal'/],
  ]) {
    const r = run(bin('mpc'), args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Sub-commands:/);
    assert.equal(r.stdout, '');
  }
  const r = run(bin('mpc'), ['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});
