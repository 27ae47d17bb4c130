import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import {
  LAMBDA_HTTP_IGNORE_STAGE_IN_PATH,
  OFFLINE_ACCOUNT,
  readConfig,
  RustEnv,
} from '../../lib/config';
import { WORKSPACE_MANIFEST } from '../../lib/rust-function';
import { type FunctionName, lambdaFunction, synth } from '../helpers';

const CONTRACTS = path.join(__dirname, '..', '..', '..', 'docs', 'contracts.md');

/** The variable names in the first column of contracts.md's environment table. */
function contractVariables(): Set<string> {
  const text = fs.readFileSync(CONTRACTS, 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith('Environment variables'));
  assert.ok(section, 'docs/contracts.md has an "Environment variables" section');
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const cell = line.match(/^\|\s*([^|]+?)\s*\|/)?.[1];
    for (const m of cell?.matchAll(/`([A-Z][A-Z0-9_]+)`/g) ?? []) names.add(m[1]);
  }
  return names;
}

describe('configuration', () => {
  const { template } = synth();

  it('declares only variables that docs/contracts.md lists, and all that the Lambdas get', () => {
    const contract = contractVariables();
    for (const name of Object.values(RustEnv)) {
      assert.ok(contract.has(name), `${name} is in docs/contracts.md`);
    }
  });

  it('gives each Lambda exactly the variables its binary reads', () => {
    const expected: Record<FunctionName, string[]> = {
      Ingest: [
        RustEnv.queueUrl,
        RustEnv.sweepQueueUrl,
        RustEnv.route53Rps,
        RustEnv.maxMessageBytes,
        RustEnv.cloudtrailRps,
        RustEnv.writerFunction,
        RustEnv.rustLog,
        // Findings (on by default; no ZONETRAIL_REGIONS unless context regions).
        RustEnv.ipRangesUrl,
      ],
      Writer: [
        RustEnv.dbSecretArn,
        RustEnv.dbHost,
        RustEnv.dbName,
        RustEnv.dbMaxConnections,
        RustEnv.accountId,
        RustEnv.rustLog,
        RustEnv.notify,
        RustEnv.eventBus,
        RustEnv.notifyBackfill,
        RustEnv.findings,
        RustEnv.findingsQueueUrl,
      ],
      // The writer's binary (test/suites/findings.ts), with no queue URL.
      FindingsEvaluator: [
        RustEnv.dbSecretArn,
        RustEnv.dbHost,
        RustEnv.dbName,
        RustEnv.dbMaxConnections,
        RustEnv.accountId,
        RustEnv.rustLog,
        RustEnv.notify,
        RustEnv.eventBus,
        RustEnv.notifyBackfill,
        RustEnv.findings,
      ],
      Api: [
        RustEnv.dbSecretArn,
        RustEnv.dbHost,
        RustEnv.dbName,
        RustEnv.dbMaxConnections,
        RustEnv.corsOrigin,
        RustEnv.editorClaim,
        RustEnv.editorValue,
        RustEnv.rustLog,
        LAMBDA_HTTP_IGNORE_STAGE_IN_PATH,
      ],
      Migrate: [
        RustEnv.dbSecretArn,
        RustEnv.dbHost,
        RustEnv.dbName,
        RustEnv.accountId,
        RustEnv.rustLog,
      ],
    };
    const contract = contractVariables();
    for (const [name, vars] of Object.entries(expected) as [FunctionName, string[]][]) {
      const [, fn] = lambdaFunction(template, name);
      const env = Object.keys(fn.Properties.Environment.Variables);
      assert.deepEqual(env.sort(), [...vars].sort(), name);
      for (const v of env) {
        assert.ok(
          contract.has(v) || v === LAMBDA_HTTP_IGNORE_STAGE_IN_PATH,
          `${name}: ${v} is in docs/contracts.md`,
        );
      }
    }
    const [, ingest] = lambdaFunction(template, 'Ingest');
    assert.equal(ingest.Properties.Environment.Variables[RustEnv.route53Rps], '4');
    assert.equal(ingest.Properties.Environment.Variables[RustEnv.maxMessageBytes], '262144');
    // Messages without an account id, and zones from before accounts, are the deploying account's.
    for (const name of ['Writer', 'Migrate', 'FindingsEvaluator'] as const) {
      const [, fn] = lambdaFunction(template, name);
      assert.deepEqual(fn.Properties.Environment.Variables[RustEnv.accountId], {
        Ref: 'AWS::AccountId',
      });
    }
  });

  it('builds every function for arm64 on provided.al2023 with JSON logs', () => {
    for (const name of ['Ingest', 'Writer', 'Api', 'Migrate', 'FindingsEvaluator'] as const) {
      const [, fn] = lambdaFunction(template, name);
      assert.equal(fn.Properties.Runtime, 'provided.al2023', name);
      assert.deepEqual(fn.Properties.Architectures, ['arm64'], name);
      assert.equal(fn.Properties.Handler, 'bootstrap', name);
      assert.equal(fn.Properties.LoggingConfig.LogFormat, 'JSON', name);
    }
    assert.ok(fs.existsSync(WORKSPACE_MANIFEST), 'RustFunction builds from the workspace manifest');
  });

  it('uses a stub bootstrap for synth-only checks', () => {
    const { template: t } = synth({ lambdaCode: 'placeholder' });
    const [, fn] = lambdaFunction(t, 'Writer');
    assert.equal(fn.Properties.Runtime, 'provided.al2023');
    assert.deepEqual(fn.Properties.Architectures, ['arm64']);
  });

  it('rejects context it cannot use, with the parameter named', () => {
    const read = (context: Record<string, unknown>) => readConfig(new App({ context }).node, {});
    assert.throws(() => read({ dbProxy: 'maybe' }), /dbProxy/);
    assert.throws(() => read({ dbMinCapacity: '300' }), /dbMinCapacity/);
    assert.throws(() => read({ oidcIssuer: 'https://login.example.com' }), /oidcAudience/);
    assert.throws(() => read({ siteDomainName: 'x.example.com' }), /siteCertificateArn/);
    assert.throws(() => read({ logRetentionDays: '42' }), /logRetentionDays/);
    assert.throws(() => read({ lambdaCode: 'docker' }), /lambdaCode/);
  });

  it('reads who the editors are: from context with an OIDC issuer only, checked', () => {
    const read = (context: Record<string, unknown>) => readConfig(new App({ context }).node, {});
    const oidc = { oidcIssuer: 'https://login.example.com', oidcAudience: 'dashboard' };
    assert.deepEqual(read({}).editor, { claim: 'cognito:groups', value: 'zonetrail-editors' });
    assert.deepEqual(read(oidc).editor, { claim: 'cognito:groups', value: 'zonetrail-editors' });
    assert.deepEqual(
      read({ ...oidc, editorClaim: ' https://example.com/roles ', editorValue: 'dns-admin' })
        .editor,
      { claim: 'https://example.com/roles', value: 'dns-admin' },
    );
    // The Cognito pool's editors are its group's members: the settings would be ignored.
    assert.throws(
      () => read({ editorClaim: 'groups' }),
      /^Error: context editorClaim: only with oidcIssuer; .*zonetrail-editors group/,
    );
    assert.throws(
      () => read({ editorClaim: 'groups', editorValue: 'x' }),
      /context editorClaim, editorValue: only with oidcIssuer/,
    );
    assert.throws(
      () => read({ ...oidc, editorClaim: 'my groups' }),
      /context editorClaim: "my groups" is not a claim name/,
    );
    assert.throws(
      () => read({ ...oidc, editorClaim: 'x'.repeat(129) }),
      /context editorClaim: .* is not a claim name/,
    );
    assert.equal(read({ ...oidc, editorValue: 'y'.repeat(128) }).editor.value.length, 128);
    for (const bad of [
      'dns admins',
      '[editors]',
      'a,b',
      'a\u0007b',
      'y'.repeat(129),
      'é'.repeat(65),
    ]) {
      assert.throws(
        () => read({ ...oidc, editorValue: bad }),
        /context editorValue: .* cannot be matched in a list claim/,
        JSON.stringify(bad),
      );
    }
  });

  it('synthesizes offline: a dummy account unless context or the CLI names one', () => {
    const app = new App();
    assert.equal(readConfig(app.node, {}).account, OFFLINE_ACCOUNT);
    assert.equal(
      readConfig(app.node, {
        CDK_DEFAULT_ACCOUNT: '222222222222',
        CDK_DEFAULT_REGION: 'eu-central-1',
      }).region,
      'eu-central-1',
    );
    assert.equal(
      readConfig(new App({ context: { account: '333333333333' } }).node, {
        CDK_DEFAULT_ACCOUNT: '222222222222',
      }).account,
      '333333333333',
    );
  });
});
