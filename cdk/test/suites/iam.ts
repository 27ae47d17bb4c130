import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCE_READ_ACTIONS } from '../../lib/findings';
import {
  asArray,
  type FunctionName,
  lambdaFunction,
  refTarget,
  type Resource,
  resourceByPrefix,
  roleStatements,
  synth,
} from '../helpers';

const SEND = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
const CONSUME = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];
const READ_SECRET = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];

describe('least privilege', () => {
  const { template } = synth();

  /** action -> the logical ids (or literal ARNs) it is granted on. */
  const grants = (name: FunctionName): Map<string, Set<string>> => {
    const out = new Map<string, Set<string>>();
    for (const s of roleStatements(template, name)) {
      assert.equal(s.Effect, 'Allow');
      assert.equal(s.Condition, undefined);
      for (const action of asArray<string>(s.Action)) {
        const set = out.get(action) ?? new Set<string>();
        for (const r of asArray<any>(s.Resource))
          set.add(typeof r === 'string' ? r : (refTarget(r) ?? JSON.stringify(r)));
        out.set(action, set);
      }
    }
    return out;
  };

  it('lets ingest read Route 53, CloudTrail and the resources of findings, use its two queues and ask the writer, nothing more', () => {
    const g = grants('Ingest');
    assert.deepEqual(
      [...g.keys()].sort(),
      [
        ...new Set([
          'route53:ListHostedZones',
          'route53:GetHostedZone',
          'route53:ListResourceRecordSets',
          'cloudtrail:LookupEvents',
          'lambda:InvokeFunction',
          ...SEND,
          ...CONSUME,
          // Findings (test/suites/findings.ts).
          ...RESOURCE_READ_ACTIONS,
        ]),
      ].sort(),
    );
    // LookupEvents has no resource type in IAM either.
    assert.deepEqual([...g.get('cloudtrail:LookupEvents')!], ['*']);
    const [writerId] = lambdaFunction(template, 'Writer');
    assert.deepEqual([...g.get('lambda:InvokeFunction')!], [writerId], 'the writer only');
    // ListHostedZones has no resource type in IAM: "*" is the only way to grant it.
    assert.deepEqual([...g.get('route53:ListHostedZones')!], ['*']);
    for (const action of ['route53:GetHostedZone', 'route53:ListResourceRecordSets']) {
      assert.deepEqual([...g.get(action)!], ['arn:aws:route53:::hostedzone/*'], action);
    }
    const queues = (prefixes: string[]) => (ids: Set<string>) =>
      [...ids].every((id) => prefixes.some((p) => id.startsWith(p) && !id.startsWith(`${p}Dlq`)));
    assert.ok(
      queues(['QueuesRecords', 'QueuesSweep'])(g.get('sqs:SendMessage')!),
      'sends to the records and sweep queues only',
    );
    assert.ok(
      queues(['QueuesSweep'])(g.get('sqs:ReceiveMessage')!),
      'consumes the sweep queue only',
    );
  });

  it('lets the writer read the database secret and consume the records queue, nothing more', () => {
    const g = grants('Writer');
    // Plus PutEvents on the notifications' bus (test/suites/notifications.ts) and sends to the
    // findings queue (test/suites/findings.ts).
    assert.deepEqual(
      [...g.keys()].sort(),
      [...new Set([...READ_SECRET, ...CONSUME, ...SEND, 'events:PutEvents'])].sort(),
    );
    const sent = [...g.get('sqs:SendMessage')!];
    assert.ok(
      sent.length === 1 &&
        sent[0].startsWith('QueuesFindings') &&
        !sent[0].startsWith('QueuesFindingsDlq'),
      'sends to the findings queue only',
    );
    assert.deepEqual(
      [...g.get('events:PutEvents')!].map((id) => id.startsWith('NotificationsBus')),
      [true],
    );
    const [secretId] = resourceByPrefix(
      template,
      'AWS::SecretsManager::SecretTargetAttachment',
      'DatabaseClusterSecretAttachment',
    );
    assert.deepEqual([...g.get('secretsmanager:GetSecretValue')!], [secretId]);
    const consumed = [...g.get('sqs:ReceiveMessage')!];
    assert.equal(consumed.length, 1);
    assert.ok(
      consumed[0].startsWith('QueuesRecords') && !consumed[0].startsWith('QueuesRecordsDlq'),
    );
  });

  it('lets the findings evaluator read the database secret and consume the findings queue, nothing more', () => {
    const g = grants('FindingsEvaluator');
    // Plus PutEvents (notifications) and CheckDNSAvailability (test/suites/findings.ts).
    assert.deepEqual(
      [...g.keys()].sort(),
      [
        ...new Set([
          ...READ_SECRET,
          ...CONSUME,
          'events:PutEvents',
          'elasticbeanstalk:CheckDNSAvailability',
        ]),
      ].sort(),
    );
    const consumed = [...g.get('sqs:ReceiveMessage')!];
    assert.ok(
      consumed.length === 1 &&
        consumed[0].startsWith('QueuesFindings') &&
        !consumed[0].startsWith('QueuesFindingsDlq'),
      'consumes the findings queue only',
    );
  });

  for (const name of ['Api', 'Migrate'] as const) {
    it(`lets ${name.toLowerCase()} read the database secret, nothing more`, () => {
      const g = grants(name);
      assert.deepEqual([...g.keys()].sort(), [...READ_SECRET].sort());
    });
  }

  it('gives the database functions only the basic and VPC execution policies', () => {
    for (const name of ['Ingest', 'Writer', 'Api', 'Migrate', 'FindingsEvaluator'] as const) {
      const [, fn] = lambdaFunction(template, name);
      const role = template.findResources('AWS::IAM::Role')[
        refTarget(fn.Properties.Role)!
      ] as Resource;
      const managed = (role.Properties.ManagedPolicyArns as any[]).map((a) => JSON.stringify(a));
      const expected =
        name === 'Ingest'
          ? ['AWSLambdaBasicExecutionRole']
          : ['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole'];
      assert.equal(managed.length, expected.length, name);
      for (const p of expected) {
        assert.ok(
          managed.some((m) => m.includes(`service-role/${p}`)),
          `${name}: ${p}`,
        );
      }
    }
  });

  it('grants no wildcard action anywhere in the app', () => {
    for (const [id, policy] of Object.entries(
      template.findResources('AWS::IAM::Policy') as Record<string, Resource>,
    )) {
      for (const s of policy.Properties.PolicyDocument.Statement) {
        for (const action of asArray<string>(s.Action)) {
          assert.ok(action !== '*' && !action.endsWith(':*'), `${id}: ${action}`);
        }
      }
    }
  });
});
