/**
 * Runs a Python script with Debian's python3 (/usr/bin/python3, where
 * confluent_kafka and kafka-python are installed; the python3 on PATH may lack
 * them) and parses the JSON it prints last. The script gets the bootstrap
 * servers as sys.argv[1]. Returns the child's JSON or throws with its stderr.
 */
import { execFile } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

export function runPython<T = unknown>(script: string, bootstrap: string): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      ['-c', script, bootstrap],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`python failed: ${err.message}\n${stderr}`));
        const last = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`python printed no JSON:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
