import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as vm from 'node:vm';
import { App } from 'aws-cdk-lib';
import { readConfig, RustEnv } from '../../lib/config';
import { BACKFILL_HELPER_ENV } from '../../lib/functions';
import {
  asArray,
  lambdaFunction,
  refTarget,
  type Resource,
  resourceByPrefix,
  roleStatements,
  synth,
} from '../helpers';

type Template = ReturnType<typeof synth>['template'];

/** The deploy-time backfill's trigger, if any. */
function backfills(template: Template): [string, Resource][] {
  return Object.entries(
    template.findResources('Custom::Trigger') as Record<string, Resource>,
  ).filter(([id]) => id.startsWith('FunctionsBackfillOnDeploy'));
}

/** The trigger's handler: the helper function that invokes the ingest. */
function helper(template: Template): [string, Resource] {
  return resourceByPrefix(template, 'AWS::Lambda::Function', 'FunctionsBackfillOnDeploy');
}

/** What the helper sends: its environment, the payload parsed. */
function helperCall(template: Template): { functionName: any; payload: unknown } {
  const env = helper(template)[1].Properties.Environment.Variables;
  return {
    functionName: env[BACKFILL_HELPER_ENV.functionName],
    payload: JSON.parse(env[BACKFILL_HELPER_ENV.payload]),
  };
}

describe('backfill', () => {
  const { template } = synth();

  describe('at deploy', () => {
    it('triggers a helper that invokes ingest asynchronously with {"backfill": {"since": "90d"}}', () => {
      const found = backfills(template);
      assert.equal(found.length, 1);
      const [, trigger] = found[0];
      const [helperId, fn] = helper(template);
      // The trigger runs the helper (a version of it), and waits for its answer.
      const versionId = refTarget(trigger.Properties.HandlerArn)!;
      const version = template.toJSON().Resources[versionId];
      assert.equal(version.Type, 'AWS::Lambda::Version');
      assert.equal(refTarget(version.Properties.FunctionName), helperId);
      assert.equal(trigger.Properties.InvocationType, 'RequestResponse');
      const { functionName, payload } = helperCall(template);
      const [ingestId] = lambdaFunction(template, 'Ingest');
      assert.equal(refTarget(functionName), ingestId);
      assert.deepEqual(payload, { backfill: { since: '90d' } });
      // Node.js 18 and later provide the AWS SDK v3 the inline code requires.
      const node = /^nodejs(\d+)\.x$/.exec(fn.Properties.Runtime);
      assert.ok(node && Number(node[1]) >= 18, fn.Properties.Runtime);
      const code: string = fn.Properties.Code.ZipFile;
      assert.ok(code.includes("InvocationType: 'Event'"), 'an asynchronous invoke');
      assert.ok(code.includes("require('@aws-sdk/client-lambda')"), "the runtime's SDK v3");
      for (const name of Object.values(BACKFILL_HELPER_ENV)) {
        assert.ok(code.includes(`process.env.${name}`), `reads ${name}`);
      }
      assert.doesNotThrow(() => new vm.Script(code), 'the inline handler parses');
    });

    it('runs once, on create: not again when a later deploy changes the helper', () => {
      const [, trigger] = backfills(template)[0];
      assert.equal(trigger.Properties.ExecuteOnHandlerChange, false);
      // The migrations, by contrast, run again whenever their code changes.
      const [, migrate] = resourceByPrefix(template, 'Custom::Trigger', 'FunctionsMigrateOnDeploy');
      assert.equal(migrate.Properties.ExecuteOnHandlerChange, true);
    });

    it('runs after the migrations, the sweep schedule and the sweep queue mapping exist', () => {
      const [, trigger] = backfills(template)[0];
      const after = trigger.DependsOn ?? [];
      const [migrateId] = resourceByPrefix(template, 'Custom::Trigger', 'FunctionsMigrateOnDeploy');
      const [scheduleId] = resourceByPrefix(template, 'AWS::Events::Rule', 'CaptureSweepSchedule');
      const [ingestId] = lambdaFunction(template, 'Ingest');
      const sweepMappings = Object.entries(
        template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>,
      ).filter(([, m]) => refTarget(m.Properties.FunctionName) === ingestId);
      assert.equal(sweepMappings.length, 1, "ingest's one mapping: the sweep queue");
      const [mappingId, mapping] = sweepMappings[0];
      assert.ok(refTarget(mapping.Properties.EventSourceArn)!.startsWith('QueuesSweep'));
      for (const id of [migrateId, scheduleId, mappingId]) {
        assert.ok(after.includes(id), `runs after ${id} (DependsOn: ${after.join(', ')})`);
      }
    });

    it('the helper may invoke the ingest function and nothing else', () => {
      const [, fn] = helper(template);
      const roleId = refTarget(fn.Properties.Role)!;
      const [ingestId] = lambdaFunction(template, 'Ingest');
      const policies = Object.entries(
        template.findResources('AWS::IAM::Policy') as Record<string, Resource>,
      ).filter(([, p]) => (p.Properties.Roles as any[]).some((r) => r.Ref === roleId));
      assert.equal(policies.length, 1, 'its own policy');
      const [policyId, policy] = policies[0];
      assert.ok((fn.DependsOn ?? []).includes(policyId), 'attached before the helper exists');
      assert.deepEqual(
        policy.Properties.PolicyDocument.Statement.map((s: any) => [
          s.Effect,
          s.Action,
          refTarget(s.Resource),
        ]),
        [['Allow', 'lambda:InvokeFunction', ingestId]],
      );
      // Besides that, only the basic execution policy: its own logs.
      const [, role] = resourceByPrefix(template, 'AWS::IAM::Role', roleId);
      assert.equal(role.Properties.ManagedPolicyArns.length, 1);
      assert.ok(
        JSON.stringify(role.Properties.ManagedPolicyArns[0]).includes(
          'service-role/AWSLambdaBasicExecutionRole',
        ),
      );
    });

    it('keeps the helper function’s logs as long as the others', () => {
      const [, fn] = helper(template);
      const logGroupId = refTarget(fn.Properties.LoggingConfig.LogGroup)!;
      const logGroup = template.toJSON().Resources[logGroupId];
      assert.equal(logGroup.Properties.RetentionInDays, 365);
    });

    it('reads backfillSince, and is left out with backfillOnDeploy=false', () => {
      const { template: t } = synth({ backfillSince: '30d' });
      assert.deepEqual(helperCall(t).payload, { backfill: { since: '30d' } });
      const { template: off } = synth({ backfillOnDeploy: 'false' });
      assert.deepEqual(backfills(off), []);
      assert.deepEqual(
        Object.keys(off.findResources('AWS::Lambda::Function')).filter((id) =>
          id.startsWith('FunctionsBackfillOnDeploy'),
        ),
        [],
      );
      off.resourceCountIs('Custom::Trigger', 1);
      // Ingest can still backfill when an operator asks it to.
      assert.ok(
        roleStatements(off, 'Ingest').some((s) =>
          asArray<string>(s.Action).includes('cloudtrail:LookupEvents'),
        ),
      );
    });

    it('runs in every variant the tests synthesize, organizations included', () => {
      for (const context of [
        { region: 'us-east-1' },
        { accounts: 'org', organizationId: 'o-exampleorg1' },
      ]) {
        assert.equal(backfills(synth(context).template).length, 1, JSON.stringify(context));
      }
    });
  });

  describe('ingest', () => {
    it('may call cloudtrail:LookupEvents, and no other CloudTrail action', () => {
      const statements = roleStatements(template, 'Ingest');
      const cloudtrail = statements.filter((s) =>
        asArray<string>(s.Action).some((a) => a.startsWith('cloudtrail:')),
      );
      assert.deepEqual(cloudtrail, [
        {
          Sid: 'CloudTrailLookupEvents',
          Effect: 'Allow',
          Action: 'cloudtrail:LookupEvents',
          Resource: '*',
        },
      ]);
    });

    it('may invoke the writer function (for the stored windows), not its versions', () => {
      const [writerId] = lambdaFunction(template, 'Writer');
      const invoke = roleStatements(template, 'Ingest').filter((s) =>
        asArray<string>(s.Action).some((a) => a.startsWith('lambda:')),
      );
      assert.deepEqual(invoke, [
        {
          Sid: 'InvokeWriterForBackfillWindows',
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: { 'Fn::GetAtt': [writerId, 'Arn'] },
        },
      ]);
    });

    it("gets the CloudTrail rate and the writer's name", () => {
      const [writerId] = lambdaFunction(template, 'Writer');
      const [, ingest] = lambdaFunction(template, 'Ingest');
      const env = ingest.Properties.Environment.Variables;
      assert.equal(env[RustEnv.cloudtrailRps], '2');
      assert.deepEqual(env[RustEnv.writerFunction], { Ref: writerId });
      const { template: t } = synth({ cloudtrailRps: '0.5' });
      const [, slower] = lambdaFunction(t, 'Ingest');
      assert.equal(slower.Properties.Environment.Variables[RustEnv.cloudtrailRps], '0.5');
    });
  });

  describe('context', () => {
    const read = (context: Record<string, unknown>) => readConfig(new App({ context }).node, {});

    it('defaults to a 90-day backfill at 2 requests per second', () => {
      const c = read({});
      assert.equal(c.backfillOnDeploy, true);
      assert.equal(c.backfillSince, '90d');
      assert.equal(c.cloudtrailRps, 2);
      assert.equal(
        read({ backfillSince: '2026-09-01T00:00:00Z' }).backfillSince,
        '2026-09-01T00:00:00Z',
      );
      assert.equal(read({ backfillSince: '36h' }).backfillSince, '36h');
      assert.equal(read({ backfillSince: '12w' }).backfillSince, '12w');
    });

    it('rejects a malformed time, one beyond the 90 days, and a rate CloudTrail would refuse', () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ backfillSince: 'last month' }, /context backfillSince: expected .* got "last month"/],
        [{ backfillSince: '2026-13-01T00:00:00Z' }, /context backfillSince/],
        [{ backfillSince: '2026-09-01' }, /context backfillSince/],
        [{ backfillSince: '0d' }, /context backfillSince/],
        [
          { backfillSince: '91d' },
          /context backfillSince: "91d" is older than CloudTrail's 90 days/,
        ],
        [{ backfillSince: '13w' }, /older than CloudTrail's 90 days/],
        [{ backfillOnDeploy: 'sometimes' }, /context backfillOnDeploy/],
        [{ cloudtrailRps: '3' }, /context cloudtrailRps: expected a number from 0.1 to 2/],
        [{ cloudtrailRps: '0' }, /context cloudtrailRps/],
      ];
      for (const [context, message] of cases) {
        assert.throws(() => read(context), message, JSON.stringify(context));
      }
    });
  });
});
