import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { readConfig, RustEnv } from '../../lib/config';
import { NotifyMetric, WriterMetric } from '../../lib/metrics';
import {
  EVENT_DETAIL_TYPE,
  EVENT_SOURCE,
  NOTIFY_PAYLOAD,
  TARGET_RETRY,
} from '../../lib/notifications';
import {
  asArray,
  endpointIngress,
  functionSecurityGroup,
  lambdaFunction,
  refTarget,
  type Resource,
  resourceByPrefix,
  roleStatements,
  synth,
} from '../helpers';

const IAC = 'arn:aws:iam::111111111111:role/iac-pipeline';
const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/XXXX';

/** Every target, notifications on: e-mail, webhook, and all filters. */
const ALL = {
  notifyEmails: 'ops@example.com,dns@example.com',
  notifyWebhookUrl: WEBHOOK,
  notifyZones: 'Z0123456789ABC,/hostedzone/Z0123456789ABD',
  notifyIgnoreActors: IAC,
  notifySources: 'event,sweep',
};

describe('notifications', () => {
  const { template } = synth();
  const full = synth(ALL).template;

  const rules = (t = full): [string, Resource][] =>
    Object.entries(t.findResources('AWS::Events::Rule') as Record<string, Resource>).filter(
      ([id]) => id.startsWith('Notifications'),
    );
  const rule = (prefix: string, t = full): Resource => {
    const found = rules(t).filter(([id]) => id.startsWith(`Notifications${prefix}`));
    assert.equal(found.length, 1, prefix);
    return found[0][1];
  };

  it('creates the zonetrail bus and lets the writer put events on it only', () => {
    const [busId, bus] = resourceByPrefix(template, 'AWS::Events::EventBus', 'NotificationsBus');
    assert.equal(bus.Properties.Name, 'zonetrail');
    const puts = roleStatements(template, 'Writer').filter((s) =>
      asArray(s.Action).includes('events:PutEvents'),
    );
    assert.equal(puts.length, 1);
    assert.deepEqual(asArray(puts[0].Action), ['events:PutEvents']);
    assert.deepEqual(asArray(puts[0].Resource).map(refTarget), [busId]);
    assert.deepEqual(asArray(puts[0].Resource)[0], { 'Fn::GetAtt': [busId, 'Arn'] });
  });

  it('lets the writer reach EventBridge from its isolated subnets, through an endpoint', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.events',
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
    });
    // With findings off the writer alone publishes; with findings on (the default) the
    // findings evaluator too (test/suites/findings.ts).
    const t = synth({ findings: 'false' }).template;
    assert.deepEqual(
      endpointIngress(t, 'NetworkVpcEventBridge'),
      [[functionSecurityGroup(t, 'Writer'), 443]],
      'only the writer, on 443',
    );
  });

  it('turns notifications on in the writer, on that bus', () => {
    const [busId] = resourceByPrefix(template, 'AWS::Events::EventBus', 'NotificationsBus');
    const [, writer] = lambdaFunction(template, 'Writer');
    const env = writer.Properties.Environment.Variables;
    assert.equal(env[RustEnv.notify], 'eventbridge');
    assert.equal(refTarget(env[RustEnv.eventBus]), busId);
    assert.equal(env[RustEnv.notifyBackfill], 'false');
    assert.equal(
      lambdaFunction(synth({ notifyBackfill: 'true' }).template, 'Writer')[1].Properties.Environment
        .Variables[RustEnv.notifyBackfill],
      'true',
    );
  });

  it('asks the writer every minute to publish what is due', () => {
    const [writerId] = lambdaFunction(template, 'Writer');
    const schedule = rule('PublishSchedule', template).Properties;
    assert.equal(schedule.ScheduleExpression, 'rate(1 minute)');
    assert.equal(
      rule('PublishSchedule', synth({ notifyRetryMinutes: '10' }).template).Properties
        .ScheduleExpression,
      'rate(10 minutes)',
    );
    assert.equal(schedule.EventBusName, undefined, 'schedules run on the default bus');
    assert.equal(schedule.Targets.length, 1);
    assert.equal(refTarget(schedule.Targets[0].Arn), writerId);
    assert.deepEqual(JSON.parse(schedule.Targets[0].Input), NOTIFY_PAYLOAD);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [writerId, 'Arn'] },
    });
  });

  it('has no target rules without context', () => {
    assert.deepEqual(
      rules(template).map(([id]) => id.replace(/[0-9A-F]{8}$/, '')),
      ['NotificationsPublishSchedule'],
    );
    assert.equal(Object.keys(template.findResources('AWS::Events::ApiDestination')).length, 0);
  });

  it('sends e-mail through an encrypted, TLS-only topic with a readable message', () => {
    const [topicId, topic] = resourceByPrefix(full, 'AWS::SNS::Topic', 'NotificationsEmailTopic');
    const [keyId, key] = resourceByPrefix(full, 'AWS::KMS::Key', 'NotificationsEmailTopicKey');
    assert.equal(refTarget(topic.Properties.KmsMasterKeyId), keyId);
    assert.equal(key.Properties.EnableKeyRotation, true);
    assert.ok(
      (key.Properties.KeyPolicy.Statement as any[]).some(
        (s) =>
          s.Principal?.Service === 'events.amazonaws.com' &&
          asArray(s.Action).includes('kms:GenerateDataKey*'),
      ),
      'EventBridge may encrypt to the topic',
    );
    full.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    for (const email of ['ops@example.com', 'dns@example.com']) {
      full.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: topicId },
      });
    }
    const target = rule('EmailRule').Properties.Targets[0];
    assert.equal(refTarget(target.Arn), topicId);
    const transformer = target.InputTransformer;
    assert.equal(transformer.InputPathsMap['detail-actor'], '$.detail.actor');
    assert.equal(transformer.InputPathsMap['detail-before-values'], '$.detail.before.values');
    assert.match(
      transformer.InputTemplate,
      /<detail-actor> <detail-action> <detail-name> <detail-type> in <detail-zone_name>/,
    );
  });

  it('posts Slack-compatible text to the webhook through an API destination', () => {
    const [, destination] = resourceByPrefix(
      full,
      'AWS::Events::ApiDestination',
      'NotificationsWebhook',
    );
    assert.equal(destination.Properties.InvocationEndpoint, WEBHOOK);
    assert.equal(destination.Properties.HttpMethod, 'POST');
    const [connectionId, connection] = resourceByPrefix(
      full,
      'AWS::Events::Connection',
      'NotificationsWebhookConnection',
    );
    assert.equal(refTarget(destination.Properties.ConnectionArn), connectionId);
    const apiKey = connection.Properties.AuthParameters.ApiKeyAuthParameters;
    assert.equal(apiKey.ApiKeyName, 'Authorization');
    const [secretId] = resourceByPrefix(
      full,
      'AWS::SecretsManager::Secret',
      'NotificationsWebhookApiKey',
    );
    assert.ok(
      JSON.stringify(apiKey.ApiKeyValue).includes(secretId),
      'the key comes from the generated secret (a dynamic reference)',
    );
    const target = rule('WebhookRule').Properties.Targets[0];
    const template = JSON.parse(target.InputTransformer.InputTemplate);
    assert.deepEqual(Object.keys(template), ['text']);
    assert.equal(
      template.text,
      '<detail-actor> <detail-action> <detail-name> <detail-type> in <detail-zone_name>: <detail-before-values> → <detail-after-values>',
    );
    for (const f of ['actor', 'action', 'name', 'type', 'zone_name']) {
      assert.equal(target.InputTransformer.InputPathsMap[`detail-${f}`], `$.detail.${f}`);
    }
    assert.ok(target.RoleArn, 'EventBridge invokes the destination with a role');
  });

  it('takes the webhook key from a named secret when context gives one', () => {
    const t = synth({
      notifyWebhookUrl: WEBHOOK,
      notifyWebhookSecretName: 'zonetrail/slack',
    }).template;
    assert.equal(Object.keys(t.findResources('AWS::SecretsManager::Secret')).length, 1);
    const [, connection] = resourceByPrefix(
      t,
      'AWS::Events::Connection',
      'NotificationsWebhookConnection',
    );
    assert.ok(
      JSON.stringify(connection.Properties.AuthParameters).includes('secret:zonetrail/slack'),
    );
  });

  it('filters both target rules by zone, ignored actors, source and backfill', () => {
    for (const name of ['EmailRule', 'WebhookRule']) {
      const p = rule(name).Properties;
      assert.ok(refTarget(p.EventBusName)!.startsWith('NotificationsBus'), name);
      assert.deepEqual(p.EventPattern, {
        source: [EVENT_SOURCE],
        'detail-type': [EVENT_DETAIL_TYPE],
        detail: {
          zone_id: ['Z0123456789ABC', 'Z0123456789ABD'],
          source: ['event', 'sweep'],
          actor: [{ 'anything-but': [IAC] }, null],
          actor_role: [{ 'anything-but': [IAC] }, null],
          via: [{ 'anything-but': ['backfill'] }, null],
        },
      });
    }
    const plain = synth({ notifyEmails: 'ops@example.com', notifyBackfill: 'true' }).template;
    assert.deepEqual(rule('EmailRule', plain).Properties.EventPattern, {
      source: [EVENT_SOURCE],
      'detail-type': [EVENT_DETAIL_TYPE],
    });
  });

  it('gives each target a DLQ (encrypted, TLS only) and a retry policy', () => {
    for (const [name, dlq] of [
      ['EmailRule', 'NotificationsEmailDlq'],
      ['WebhookRule', 'NotificationsWebhookDlq'],
    ]) {
      const target = rule(name).Properties.Targets[0];
      assert.ok(refTarget(target.DeadLetterConfig.Arn)!.startsWith(dlq), name);
      assert.deepEqual(target.RetryPolicy, {
        MaximumRetryAttempts: TARGET_RETRY.retryAttempts,
        MaximumEventAgeInSeconds: TARGET_RETRY.maxEventAge.toSeconds(),
      });
      const [queueId, queue] = resourceByPrefix(full, 'AWS::SQS::Queue', dlq);
      assert.equal(queue.Properties.SqsManagedSseEnabled, true);
      full.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
            }),
          ]),
        },
      });
    }
  });

  it('alarms on the DLQs, failed invocations and failed publishing, to the alarm topic', () => {
    const [topicId] = resourceByPrefix(full, 'AWS::SNS::Topic', 'OperationsAlarms');
    const alarms = Object.entries(
      full.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    ).filter(([id]) => id.startsWith('Notifications'));
    const byName = (prefix: string) => {
      const found = alarms.filter(([id]) => id.startsWith(`Notifications${prefix}`));
      assert.equal(found.length, 1, prefix);
      return found[0][1].Properties;
    };
    for (const [name, dlq] of [
      ['EmailDlqNotEmpty', 'NotificationsEmailDlq'],
      ['WebhookDlqNotEmpty', 'NotificationsWebhookDlq'],
    ]) {
      const p = byName(name);
      assert.equal(p.MetricName, 'ApproximateNumberOfMessagesVisible');
      assert.ok(refTarget(p.Dimensions[0].Value)!.startsWith(dlq));
      assert.equal(p.Threshold, 0);
    }
    for (const [name, ruleName] of [
      ['EmailFailedInvocations', 'NotificationsEmailRule'],
      ['WebhookFailedInvocations', 'NotificationsWebhookRule'],
    ]) {
      const p = byName(name);
      assert.equal(p.Namespace, 'AWS/Events');
      assert.equal(p.MetricName, 'FailedInvocations');
      const dims = Object.fromEntries(
        (p.Dimensions as any[]).map((d) => [d.Name, refTarget(d.Value)]),
      );
      assert.ok(dims.RuleName!.startsWith(ruleName), name);
      assert.ok(dims.EventBusName!.startsWith('NotificationsBus'), name);
    }
    assert.equal(byName('ScheduleFailed').MetricName, 'FailedInvocations');
    assert.equal(byName('PublishErrors').MetricName, WriterMetric.notifyErrors);
    const sends = byName('SendsFailing');
    assert.equal(sends.MetricName, NotifyMetric.failed);
    assert.deepEqual(sends.Dimensions, [{ Name: 'Stage', Value: 'notify' }]);
    assert.equal(alarms.length, 7);
    for (const [id, a] of alarms) {
      assert.deepEqual(a.Properties.AlarmActions.map(refTarget), [topicId], id);
    }
  });

  it('reads the publisher’s metrics under the names and Stage it emits', () => {
    const dir = path.join(__dirname, '..', '..', '..', 'notify', 'src');
    const code = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.rs'))
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    assert.ok(code.includes('EmfLine::new("notify")'));
    for (const name of Object.values(NotifyMetric)) assert.ok(code.includes(`"${name}"`), name);
  });

  it('refuses context it cannot turn into targets, naming the key', () => {
    const read = (context: Record<string, unknown>) =>
      readConfig(new App({ context: { account: '111111111111', ...context } }).node);
    for (const [context, says] of [
      [{ notifyEmails: 'not-an-address' }, 'context notifyEmails'],
      [{ notifyWebhookUrl: 'http://example.com/hook' }, 'context notifyWebhookUrl'],
      [{ notifyWebhookUrl: 'not a url' }, 'context notifyWebhookUrl'],
      [{ notifyWebhookSecretName: 'zonetrail/slack' }, 'only with notifyWebhookUrl'],
      [{ notifyZones: 'not a zone' }, 'context notifyZones'],
      [{ notifyIgnoreActors: 'iac' }, 'context notifyIgnoreActors'],
      [{ notifySources: 'cloudtrail' }, 'context notifySources'],
      [{ notifyBackfill: 'maybe' }, 'context notifyBackfill'],
      [{ notifyBusName: 'default' }, 'context notifyBusName'],
      [{ notifyRetryMinutes: '0' }, 'context notifyRetryMinutes'],
      [{ notifyRetryMinutes: '2.5' }, 'context notifyRetryMinutes'],
    ] as const) {
      assert.throws(() => read(context), new RegExp(says), JSON.stringify(context));
    }
    const ok = read(ALL).notify;
    assert.deepEqual(ok.zones, ['Z0123456789ABC', 'Z0123456789ABD']);
    assert.equal(ok.backfill, false);
  });
});
