// Starts the real `hostplane up` for a browser test through hp_up_fixture (tests/support): its
// own temporary prefix, port slot and Unix-user prefix, the panel built into panel/ beside the
// hostplane binary. stop() closes the fixture's stdin, which stops `up` and removes the prefix;
// if this process dies instead, the pipe closes all the same.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

// args: hp_up_fixture's own (--all-services for mail, DNS, FTP and databases).
export async function startUp(args = []) {
  const fixture = process.env.HP_UP_FIXTURE;
  if (!fixture) throw new Error('HP_UP_FIXTURE is not set (run the browser tests through ctest -L browser)');
  const panel = process.env.HP_PANEL_DIR;
  if (panel && !existsSync(`${panel}/index.html`)) {
    throw new Error(`the panel is not built: ${panel}/index.html is missing (ninja -C build panel)`);
  }
  const child = spawn(fixture, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLine = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    exited.then((code) => reject(new Error(`hp_up_fixture exited with ${code} before it was up:\n${stderr}`)));
  });
  const info = JSON.parse(await firstLine);
  return {
    ...info,
    async stop() {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`hp_up_fixture exited with ${code}:\n${stderr}`);
    },
  };
}
