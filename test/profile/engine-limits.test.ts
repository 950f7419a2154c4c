import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProfileErrors } from '../../lib/errors.js';
import { loadProfile } from '../../lib/profile/load.js';
import { profileTree } from '../helpers/profile-fixture.js';

/** One service file with the given body in a one-service profile; the loader's errors, one per line. */
function errorsFor(
  body: string,
  {
    name = 'web',
    profileServices = name,
    extra = {},
  }: { name?: string; profileServices?: string; extra?: Record<string, string> } = {},
): string[] {
  const t = profileTree({
    'p/profile.yaml': `name: p\nservices: [${profileServices}]\n`,
    [`services/${name}.yaml`]: body,
    ...extra,
  });
  try {
    loadProfile({ profile: 'p', profilesRoot: t.root, env: { BERTH_STATE_DIR: t.stateRoot } });
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileErrors);
    return (e as ProfileErrors).errors.map((x) => x.message.replace(t.root + '/', ''));
  }
  throw new Error('expected the loader to refuse it');
}

const image = 'image: example/web:1\n';

describe('the loader refuses what the engine would refuse, at its file and line', () => {
  it('a service name the engine cannot take as a container name or hostname', () => {
    expect(errorsFor(image, { name: 'web@app' })[0]).toMatch(
      /^p\/profile\.yaml:2:\d+: services\[0\]: expected a name of letters, digits/,
    );
    const long = 'a'.repeat(64);
    expect(errorsFor(image, { name: long })[0]).toMatch(/services\[0\]: (expected )?a name of at most 63 characters/);
  });

  it('a stop signal that does not exist', () => {
    expect(errorsFor(`${image}stop_signal: SIGFOO\n`)).toEqual([
      'services/web.yaml:2:14: stop_signal: a signal name like SIGTERM or SIGKILL',
    ]);
  });

  it('ports outside 1..65535, on either side', () => {
    expect(errorsFor(`${image}ports: ["70000"]\n`)[0]).toMatch(
      /^services\/web\.yaml:2:9: ports\[0\]: ports between 1 and 65535/,
    );
    expect(errorsFor(`${image}ports: ["99999:80"]\n`)[0]).toMatch(/ports\[0\]: ports between 1 and 65535/);
    expect(errorsFor(`${image}ports: ["0:80"]\n`)[0]).toMatch(/ports\[0\]: ports between 1 and 65535/);
  });

  it('durations longer than a Node timer holds, and probe waits of zero', () => {
    expect(errorsFor(`${image}ports: ["8080:80"]\nhealthcheck: { tcp: { port: 80 }, interval: 40000m }\n`)[0]).toMatch(
      /healthcheck\.interval: a duration of at most 24 days/,
    );
    expect(errorsFor(`${image}ports: ["8080:80"]\nhealthcheck: { tcp: { port: 80 }, timeout: 0s }\n`)[0]).toMatch(
      /healthcheck\.timeout: a duration longer than 0/,
    );
  });

  it('environment keys with "=", a space or a line break', () => {
    const errors = errorsFor(`${image}environment:\n  "PATH=/tmp/evil:/usr/bin": x\n  "A B": y\n  "C\\nD": z\n`);
    expect(errors).toHaveLength(3);
    for (const e of errors)
      expect(e).toMatch(
        /^services\/web\.yaml:\d+:\d+: environment\..*: an environment variable name without "=", spaces or line breaks/,
      );
    // The value of the bad key is never quoted back.
    expect(errors.join('\n')).not.toContain('/tmp/evil:/usr/bin: x');
  });

  it('two services publishing one host port, naming both files', () => {
    const errors = errorsFor(`${image}ports: ["18080:80"]\n`, {
      profileServices: 'web, api',
      extra: { 'services/api.yaml': 'image: example/api:1\nports: ["18080:8080"]\n' },
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^services\/(api|web)\.yaml:2:\d+: ports: host port 18080 is also published by "(web|api)" \(.*services\/(web|api)\.yaml:2\)/,
    );
  });

  it('a dev source tree that does not exist', () => {
    expect(errorsFor(`${image}dev:\n  sources:\n    - { path: ./no-such-checkout, target: /app }\n`)[0]).toMatch(
      /^services\/web\.yaml:4:\d+: dev\.sources\[0\]\.path: source tree .*no-such-checkout does not exist/,
    );
  });
});

describe('a one-shot timeout', () => {
  it('is refused on a service that is not a one-shot', () => {
    expect(errorsFor(`${image}timeout: 5m\n`)[0]).toMatch(
      /^services\/web\.yaml:2:10: timeout: "timeout" bounds a one-shot service, and "web" is not one/,
    );
  });
});

describe('YAML aliases that would crash or explode', () => {
  it('an alias before its anchor', () => {
    expect(errorsFor(`${image}command: *later\nuser: &later nobody\n`)[0]).toMatch(
      /^services\/web\.yaml:2:10: YAML alias refused/,
    );
  });

  it('a "billion laughs" file', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const bomb = `${image}x-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    expect(errorsFor(bomb)[0]).toMatch(/^services\/web\.yaml:\d+:\d+: YAML alias refused/);
  });
});

describe('parameters and secrets', () => {
  it('a parameter cycle is named at the line that defines it', () => {
    const t = profileTree({
      'p/profile.yaml': 'name: p\nservices: [web]\nparameters:\n  a: ${b}\n  b: ${a}\n',
      'services/web.yaml': image,
    });
    try {
      loadProfile({ profile: 'p', profilesRoot: t.root, env: { BERTH_STATE_DIR: t.stateRoot } });
      throw new Error('expected the loader to refuse it');
    } catch (e) {
      expect(e).toBeInstanceOf(ProfileErrors);
      expect((e as ProfileErrors).errors[0]!.message.replace(t.root + '/', '')).toMatch(
        /^p\/profile\.yaml:4:6: parameters\.a: parameters refer to each other in a cycle: a -> b -> a/,
      );
    }
  });

  it('--param for a secret is refused, saying how to set one, and its value is never echoed', () => {
    const t = profileTree({
      'p/profile.yaml': 'name: p\nservices: [web]\nsecrets: [db_password]\n',
      'services/web.yaml': image,
    });
    expect(() =>
      loadProfile({
        profile: 'p',
        profilesRoot: t.root,
        parameters: { db_password: 'hunter2' },
        env: { BERTH_STATE_DIR: t.stateRoot },
      }),
    ).toThrow(/^--param db_password: "db_password" is a secret; berth generates it and keeps it in a 0600 file$/);
    try {
      loadProfile({
        profile: 'p',
        profilesRoot: t.root,
        parameters: { db_password: 'hunter2' },
        env: { BERTH_STATE_DIR: t.stateRoot },
      });
    } catch (e) {
      expect(`${(e as Error).message} ${(e as { hint?: string }).hint}`).not.toContain('hunter2');
      expect((e as { hint?: string }).hint).toMatch(/secrets\/db_password \(mode 0600\)/);
    }
  });
});

describe('what the loader checks before any build or check runs', () => {
  it('a build context that does not exist, or has no Dockerfile', () => {
    expect(errorsFor('build: { context: ../images/web }\n')[0]).toMatch(
      /^services\/web\.yaml:1:19: build\.context: build context .*images\/web does not exist/,
    );
    expect(errorsFor('build: { context: . }\n')[0]).toMatch(
      /build\.context: build context .*services has no Dockerfile/,
    );
  });

  it('a verify check about a service the profile does not have', () => {
    const t = profileTree({
      'p/profile.yaml': 'name: p\nservices: [web]\nverify:\n  - { name: api answers, service: wbe, exec: ["true"] }\n',
      'services/web.yaml': image,
    });
    try {
      loadProfile({ profile: 'p', profilesRoot: t.root, env: { BERTH_STATE_DIR: t.stateRoot } });
      throw new Error('expected the loader to refuse it');
    } catch (e) {
      expect((e as ProfileErrors).errors[0]!.message.replace(t.root + '/', '')).toMatch(
        /^p\/profile\.yaml:4:\d+: verify\[0\]\.service: check "api answers" is about "wbe", a service this profile does not have/,
      );
    }
  });

  it('a file that is not a service file has at most a name quoted back, never its content', () => {
    const line = 'root:x:0:0:root:/root:/bin/bash-and-a-long-tail-that-goes-on-and-on-and-on-beyond-sixty-characters';
    const errors = errorsFor(`${image}${line.replace(':', ' ')}: 1\n`);
    expect(errors[0]).toMatch(/unknown key "root x:0:0:root:\/root:\/bin\/bash-and-a-long-tail-that-goes\.\.\."/);
    expect(errors.join('\n')).not.toContain('beyond-sixty-characters');
  });
});

describe('every mistake of an environment file at once', () => {
  it('a wrongly typed parameter does not hide the service fields wrong after it', () => {
    const t = profileTree({ 'p/profile.yaml': 'name: p\nservices: [web]\n', 'services/web.yaml': image });
    const env = `${t.root}/env.yaml`;
    writeFileSync(
      env,
      'parameters:\n  port: [1]\nservices:\n  web:\n    stop_timeout: true\n    restart: sometimes\n    environment: { A: [1, 2] }\n',
    );
    try {
      loadProfile({ profile: 'p', profilesRoot: t.root, envFiles: [env], env: { BERTH_STATE_DIR: t.stateRoot } });
      throw new Error('expected the loader to refuse it');
    } catch (e) {
      const messages = (e as ProfileErrors).errors.map((x) => x.message.replace(t.root + '/', ''));
      expect(messages.sort()).toEqual([
        'env.yaml:2:9: parameters.port: expected string or number or boolean, got a list',
        'env.yaml:5:19: services.web.stop_timeout: expected number or string, got a boolean',
        'env.yaml:6:14: services.web.restart: expected one of "no", "on-failure", "unless-stopped", "always"',
        'env.yaml:7:23: services.web.environment.A: expected string or number or boolean, got a list',
      ]);
    }
  });
});

describe('a template that is not there', () => {
  it('is named at the line of the file that names it', () => {
    const errors = errorsFor(`${image}config_files:\n  - { source: missing.conf.tmpl, target: /etc/web.conf }\n`);
    expect(errors[0]).toMatch(
      /^services\/web\.yaml:3:\d+: config_files: template .*services\/missing\.conf\.tmpl not found/,
    );
  });
});
